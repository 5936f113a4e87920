package chart

import (
	"encoding/xml"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// node is an element of a drawn chart, parsed back.
type node struct {
	name  string
	attr  map[string]string
	text  string
	kids  []*node
	outer *node
}

// parse parses a chart as XML, failing the test if it is not well-formed.
func parse(t *testing.T, svg template.HTML) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(svg)))
	d.Strict = true
	root := &node{}
	cur := root
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}, outer: cur}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			cur.kids = append(cur.kids, n)
			cur = n
		case xml.EndElement:
			cur = cur.outer
		case xml.CharData:
			cur.text += string(tok)
		}
	}
	if len(root.kids) != 1 || root.kids[0].name != "svg" {
		t.Fatalf("want one <svg> element, got %s", svg)
	}
	return root.kids[0]
}

// all returns the elements under n (n included) for which keep is true, in
// document order.
func (n *node) all(keep func(*node) bool) []*node {
	var out []*node
	if keep(n) {
		out = append(out, n)
	}
	for _, k := range n.kids {
		out = append(out, k.all(keep)...)
	}
	return out
}

func (n *node) class(c string) []*node {
	return n.all(func(m *node) bool { return m.attr["class"] == c })
}

func (n *node) named(name string) []*node {
	return n.all(func(m *node) bool { return m.name == name })
}

// texts returns the content of every <text> element.
func (n *node) texts() []string {
	var out []string
	for _, t := range n.named("text") {
		out = append(out, t.text)
	}
	return out
}

func f(v float64) *float64 { return &v }

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkFrame checks what every chart carries: role, the title and
// description it is labelled by, a viewBox and a fluid width, and no style
// attribute or script.
func checkFrame(t *testing.T, svg template.HTML, root *node, id, title, desc string) {
	t.Helper()
	if root.attr["role"] != "img" || root.attr["width"] != "100%" || !strings.HasPrefix(root.attr["viewBox"], "0 0 320 ") {
		t.Errorf("svg attributes %v", root.attr)
	}
	if got, want := root.attr["aria-labelledby"], id+"-title "+id+"-desc"; got != want {
		t.Errorf("aria-labelledby %q, want %q", got, want)
	}
	if len(root.kids) < 2 || root.kids[0].name != "title" || root.kids[0].attr["id"] != id+"-title" || root.kids[0].text != title ||
		root.kids[1].name != "desc" || root.kids[1].attr["id"] != id+"-desc" || root.kids[1].text != desc {
		t.Errorf("the chart does not begin with its title %q and description %q: %s", title, desc, svg)
	}
	if s := root.all(func(m *node) bool { _, ok := m.attr["style"]; return ok || m.name == "script" || m.name == "style" }); len(s) > 0 {
		t.Errorf("the chart carries style or script: %s", svg)
	}
}

func TestBars(t *testing.T) {
	for _, tc := range []struct {
		name string
		bars Bars
		// widths of the drawn bars, in order; texts, every <text>'s content
		widths []string
		texts  []string
	}{
		{
			name:   "rates scale to the full width",
			bars:   Bars{Max: 1, Bars: []Bar{{"Sales", f(.5), "50.0%"}, {"Ops", f(1), "100.0%"}, {"Legal", f(0), "0.0%"}, {"HR", f(.1234), "12.3%"}}},
			widths: []string{"160", "320", "0", "39.5"},
			texts:  []string{"Sales", "50.0%", "Ops", "100.0%", "Legal", "0.0%", "HR", "12.3%"},
		},
		{
			name:   "counts scale to the largest",
			bars:   Bars{Bars: []Bar{{"1-7", f(3), "3"}, {"8-30", f(6), "6"}, {"31-90", f(0), "0"}, {"over 90", f(1.5), "1.5"}}},
			widths: []string{"160", "320", "0", "80"},
			texts:  []string{"1-7", "3", "8-30", "6", "31-90", "0", "over 90", "1.5"},
		},
		{
			name:   "all counts zero draw empty bars",
			bars:   Bars{Bars: []Bar{{"1-7", f(0), "0"}, {"8-30", f(0), "0"}}},
			widths: []string{"0", "0"},
			texts:  []string{"1-7", "0", "8-30", "0"},
		},
		{
			name:   "values outside 0..Max are clamped",
			bars:   Bars{Max: 1, Bars: []Bar{{"over", f(1.5), "150%"}, {"under", f(-.2), "-20%"}, {"infinite", f(math.Inf(1)), "∞"}}},
			widths: []string{"320", "0"},
			texts:  []string{"over", "150%", "under", "-20%", "infinite", "no data"},
		},
		{
			name:   "no value is no bar, and says so",
			bars:   Bars{Max: 1, Bars: []Bar{{"Sales", nil, "–"}, {"Ops", f(.75), "75.0%"}, {"NaN", f(math.NaN()), "NaN"}}},
			widths: []string{"240"},
			texts:  []string{"Sales", "no data", "Ops", "75.0%", "NaN", "no data"},
		},
		{
			name:   "labels are escaped",
			bars:   Bars{Max: 1, Bars: []Bar{{`<script>"x" & co`, f(.5), `<b>50%</b>`}}},
			widths: []string{"160"},
			texts:  []string{`<script>"x" & co`, `<b>50%</b>`},
		},
		{
			name:   "a long label is cut to fit beside its figure",
			bars:   Bars{Max: 1, Bars: []Bar{{"Research and Development, Europe, Middle East and Africa", f(.9), "90.0% (9/10)"}}},
			widths: []string{"288"},
			texts:  []string{"Research and Development,…", "90.0% (9/10)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.bars.ID, tc.bars.Title, tc.bars.Desc = "c1", "Completion", "By department"
			svg := tc.bars.SVG()
			root := parse(t, svg)
			checkFrame(t, svg, root, "c1", "Completion", "By department")
			var widths []string
			for _, b := range root.class("bar") {
				widths = append(widths, b.attr["width"])
			}
			if !slices.Equal(widths, tc.widths) {
				t.Errorf("bar widths %q, want %q", widths, tc.widths)
			}
			if got := root.texts(); !slices.Equal(got, tc.texts) {
				t.Errorf("texts %q, want %q", got, tc.texts)
			}
			if strings.Contains(string(svg), "<script") || strings.Contains(string(svg), "<b>") {
				t.Errorf("unescaped text: %s", svg)
			}
			// Each label is above its bar: its baseline lies above the
			// bar's top, and each bar's group tells the whole label.
			groups := root.named("g")
			if len(groups) != len(tc.bars.Bars) {
				t.Fatalf("%d groups for %d bars", len(groups), len(tc.bars.Bars))
			}
			for i, g := range groups {
				if want := tc.bars.Bars[i].Label + ": "; !strings.HasPrefix(g.kids[0].text, want) {
					t.Errorf("group %d's title %q, want it to begin %q", i, g.kids[0].text, want)
				}
				label, bar := g.named("text")[0], g.named("rect")[0]
				if ly, by := atof(t, label.attr["y"]), atof(t, bar.attr["y"]); ly >= by {
					t.Errorf("bar %d: label at y=%s is not above the bar at y=%s", i, label.attr["y"], bar.attr["y"])
				}
			}
		})
	}
}

func TestBarsEmpty(t *testing.T) {
	svg := Bars{ID: "e", Title: "Overdue by age", Desc: "Nothing", Max: 1}.SVG()
	root := parse(t, svg)
	checkFrame(t, svg, root, "e", "Overdue by age", "Nothing")
	if got := root.texts(); !slices.Equal(got, []string{"No data"}) {
		t.Errorf("an empty chart's texts %q", got)
	}
	if len(root.class("bar")) != 0 {
		t.Errorf("an empty chart draws bars: %s", svg)
	}
}

func TestLine(t *testing.T) {
	quarters := []string{"Q4 2025", "Q1 2026", "Q2 2026", "Q3 2026"}
	for _, tc := range []struct {
		name   string
		series []Series
		// paths of the series' lines; markers, how many each draws
		paths   []string
		markers int
		noData  bool
	}{
		{
			name:    "a full series is one line",
			series:  []Series{{"Completion rate", []*float64{f(0), f(.5), f(1), f(.25)}}},
			paths:   []string{"M62 204 L138 122 L214 40 L290 163"},
			markers: 4,
		},
		{
			name:    "missing quarters are gaps and a lone value a marker",
			series:  []Series{{"Completion rate", []*float64{f(.5), nil, f(1), f(.25)}}, {"On-time rate", []*float64{nil, f(.5), nil, nil}}},
			paths:   []string{"M62 122 M214 40 L290 163", "M138 122"},
			markers: 4,
		},
		{
			name:    "rates outside 0..1 are clamped",
			series:  []Series{{"Completion rate", []*float64{f(1.4), f(-.3), f(math.NaN()), f(math.Inf(-1))}}},
			paths:   []string{"M62 40 L138 204"},
			markers: 2,
		},
		{
			name:   "no values says no data",
			series: []Series{{"Completion rate", []*float64{nil, nil, nil, nil}}, {"On-time rate", nil}},
			noData: true,
		},
		{
			name:   "no series says no data",
			noData: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Line{ID: "trend", Title: "Trend", Desc: "Last quarters", Categories: quarters, Series: tc.series}
			svg := c.SVG()
			root := parse(t, svg)
			checkFrame(t, svg, root, "trend", "Trend", "Last quarters")
			var paths []string
			for _, p := range root.class("series") {
				paths = append(paths, p.attr["d"])
			}
			if !slices.Equal(paths, tc.paths) {
				t.Errorf("paths %q, want %q", paths, tc.paths)
			}
			if got := len(root.class("marker")) - len(tc.series); got != tc.markers {
				t.Errorf("%d markers beside the legend's, want %d", got, tc.markers)
			}
			texts := root.texts()
			if got := slices.Contains(texts, "No data"); got != tc.noData {
				t.Errorf("says no data: %v, want %v (%q)", got, tc.noData, texts)
			}
			for _, want := range []string{"0%", "50%", "100%", "Q1", "2026", "Q4"} {
				if !slices.Contains(texts, want) {
					t.Errorf("the axes lack %q: %q", want, texts)
				}
			}
			// The year is written once, under its first quarter.
			if years := slices.DeleteFunc(slices.Clone(texts), func(s string) bool { return s != "2025" && s != "2026" }); !slices.Equal(years, []string{"2025", "2026"}) {
				t.Errorf("years %q, want each once", years)
			}
			for _, s := range tc.series {
				if !slices.Contains(texts, s.Name) {
					t.Errorf("the legend lacks %q", s.Name)
				}
			}
		})
	}
}

func TestSecondLines(t *testing.T) {
	for _, tc := range []struct {
		name       string
		categories []string
		want       []secondLine
	}{
		{"years under their first quarters", []string{"Q3 2025", "Q4 2025", "Q1 2026", "Q2 2026"}, []secondLine{{0, "2025"}, {2, "2026"}}},
		// Eight quarters are 32.6 units apart: two years side by side
		// would touch, so the lone first one goes.
		{"a lone first quarter of a year gives way", []string{"Q4 2024", "Q1 2025", "Q2 2025", "Q3 2025", "Q4 2025", "Q1 2026", "Q2 2026", "Q3 2026"},
			[]secondLine{{1, "2025"}, {5, "2026"}}},
		// Four quarters are 76 units apart: room for both.
		{"a lone first quarter with room keeps its year", []string{"Q4 2024", "Q1 2025", "Q2 2025", "Q3 2025"}, []secondLine{{0, "2024"}, {1, "2025"}}},
		{"one line only", []string{"Q1", "Q2"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := secondLines(tc.categories); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLineEscapes(t *testing.T) {
	c := Line{ID: `x"y`, Title: "<T>", Desc: "a & b", Categories: []string{"<Q1> &"}, Series: []Series{{"<s>", []*float64{f(.5)}}}}
	svg := c.SVG()
	root := parse(t, svg)
	checkFrame(t, svg, root, `x"y`, "<T>", "a & b")
	texts := root.texts()
	for _, want := range []string{"<Q1>", "&", "<s>"} {
		if !slices.Contains(texts, want) {
			t.Errorf("texts %q lack %q", texts, want)
		}
	}
	if strings.Contains(string(svg), "<s>") || strings.Contains(string(svg), "<Q1>") {
		t.Errorf("unescaped text: %s", svg)
	}
	// A single category sits in the middle.
	if p := root.class("series"); len(p) != 1 || p[0].attr["d"] != "M176 122" {
		t.Errorf("a single value's path: %v", p)
	}
}
