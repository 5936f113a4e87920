// Package chart draws the small charts of the admin console as inline SVG,
// on the server, so that a page needs no JavaScript: horizontal bars (a
// label above each bar, readable on a 375 px phone) and a line chart of
// rates over a few categories (quarters), with gaps where a value is
// missing. Every chart is an <svg role="img"> named by its <title> and
// <desc>; it scales to its container's width through its viewBox. A chart
// is a picture for sighted readers: the page shows the same figures in a
// table beside it. Colours are SVG presentation attributes, never style
// attributes. It imports no AWS package.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The drawing's geometry, in viewBox units. The viewBox is a little narrower
// than a phone's content area (343 px on a 375 px screen), so that text
// drawn at fontSize reads at least that large on a phone; a page caps the
// chart's width on larger screens.
const (
	width     = 320.0
	fontSize  = 14.0
	smallFont = 13.0
	// glyph is a generous average advance of a character at fontSize in a
	// sans-serif font: labels are cut so that they fit at this width.
	glyph = 8.0
)

// Colours of the drawing: the console's ink and accent colours.
const (
	ink    = "#1a1a1a"
	muted  = "#4a4a4a"
	track  = "#e6e6e6"
	grid   = "#c8c8c8"
	accent = "#0b57d0"
)

// seriesStyles are the line chart's series, in order: colour, dash pattern
// and marker, so that series differ in more than colour.
var seriesStyles = []struct {
	colour, dash, marker string
}{
	{accent, "", "circle"},
	{"#0b6b2b", "6 4", "square"},
	{"#7a4b00", "2 3", "diamond"},
}

// noData is what a chart says where it has nothing to draw.
const noData = "No data"

// Bar is one bar of a bar chart.
type Bar struct {
	// Label names the bar (a department); it is drawn above the bar, cut
	// with "…" if it does not fit beside the figure (the whole label is the
	// bar's tooltip).
	Label string
	// Value is the bar's length in the chart's unit; nil (or a value that
	// is not a finite number) is no data: no bar, and "no data" in place of the figure.
	Value *float64
	// Figure is the value as people read it ("92.5%", "12"), drawn at the
	// right end of the label's line.
	Figure string
}

// Bars is a horizontal bar chart.
type Bars struct {
	// ID makes the ids of the chart's title and description unique in the
	// page.
	ID string
	// Title names the chart; Desc says what it shows in a sentence or two.
	Title, Desc string
	Bars        []Bar
	// Max is the value of a full-width bar (1 for rates); values outside
	// 0..Max are clamped. Zero scales to the largest value.
	Max float64
}

// Rows of a bar chart: the label's baseline, then the bar below it.
const (
	barRow      = 46.0
	barBaseline = 15.0
	barTop      = 21.0
	barHeight   = 16.0
)

// SVG draws the chart.
func (c Bars) SVG() template.HTML {
	if len(c.Bars) == 0 {
		return empty(c.ID, c.Title, c.Desc)
	}
	scale := c.Max
	if scale <= 0 {
		for _, b := range c.Bars {
			if v, ok := value(b.Value); ok && v > scale {
				scale = v
			}
		}
	}
	var sb strings.Builder
	height := float64(len(c.Bars)) * barRow
	open(&sb, c.ID, c.Title, c.Desc, height)
	for i, b := range c.Bars {
		y := float64(i) * barRow
		figure := b.Figure
		v, ok := value(b.Value)
		if !ok {
			figure = "no data"
		}
		fmt.Fprintf(&sb, `<g><title>%s</title>`, esc(b.Label+": "+figure))
		room := int((width - glyph*float64(utf8.RuneCountInString(figure)) - 2*glyph) / glyph)
		fmt.Fprintf(&sb, `<text x="0" y="%s" fill="%s">%s</text>`, num(y+barBaseline), ink, esc(cut(b.Label, room)))
		fmt.Fprintf(&sb, `<text x="%s" y="%s" fill="%s" text-anchor="end" font-weight="600">%s</text>`, num(width), num(y+barBaseline), ink, esc(figure))
		fmt.Fprintf(&sb, `<rect x="0" y="%s" width="%s" height="%s" fill="%s"/>`, num(y+barTop), num(width), num(barHeight), track)
		if ok {
			w := 0.0
			if scale > 0 {
				w = width * clamp(v, 0, scale) / scale
			}
			fmt.Fprintf(&sb, `<rect class="bar" x="0" y="%s" width="%s" height="%s" fill="%s"/>`, num(y+barTop), num(w), num(barHeight), accent)
		}
		sb.WriteString(`</g>`)
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // #nosec G203 -- every text is escaped by esc
}

// Series is one line of a line chart: a value per category, nil (or a
// value that is not a finite number) where there is none.
type Series struct {
	Name   string
	Values []*float64
}

// Line is a line chart of rates (fractions 0..1, clamped) over categories.
type Line struct {
	// ID makes the ids of the chart's title and description unique in the
	// page.
	ID string
	// Title names the chart; Desc says what it shows in a sentence or two.
	Title, Desc string
	// Categories label the x axis, left to right; a label's words after the
	// first go on a second line ("Q3 2026"), shown where they change from
	// the category before (a year under its first quarter) unless too close
	// to the next one shown.
	Categories []string
	// Series are the lines, each with a value per category; a missing value
	// breaks the line (a gap), and a value with no neighbour is a lone
	// marker.
	Series []Series
}

// The line chart's plot area.
const (
	lineHeight = 250.0
	plotLeft   = 44.0
	plotRight  = width - 12
	plotTop    = 40.0
	plotBottom = 204.0
	plotInset  = 18.0
)

// SVG draws the chart.
func (c Line) SVG() template.HTML {
	var sb strings.Builder
	open(&sb, c.ID, c.Title, c.Desc, lineHeight)
	// Legend, across the top.
	x := 0.0
	for i, s := range c.Series {
		st := seriesStyles[i%len(seriesStyles)]
		fmt.Fprintf(&sb, `<line x1="%s" y1="14" x2="%s" y2="14" stroke="%s" stroke-width="2.5"%s/>`, num(x), num(x+28), st.colour, dash(st.dash))
		marker(&sb, st.marker, x+14, 14, st.colour)
		fmt.Fprintf(&sb, `<text x="%s" y="19" fill="%s">%s</text>`, num(x+34), ink, esc(s.Name))
		x += 34 + glyph*float64(utf8.RuneCountInString(s.Name)) + 16
	}
	// Grid and the y axis: 0 %, 25 %, ... 100 %.
	for _, r := range []float64{0, .25, .5, .75, 1} {
		y := yOf(r)
		fmt.Fprintf(&sb, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="1"/>`, num(plotLeft), num(y), num(plotRight), num(y), grid)
		fmt.Fprintf(&sb, `<text x="%s" y="%s" fill="%s" font-size="%s" text-anchor="end">%d%%</text>`, num(plotLeft-6), num(y+4), muted, num(smallFont), int(r*100))
	}
	n := len(c.Categories)
	for i, label := range c.Categories {
		first, _, _ := strings.Cut(label, " ")
		fmt.Fprintf(&sb, `<text x="%s" y="%s" fill="%s" font-size="%s" text-anchor="middle">%s</text>`, num(xOf(i, n)), num(plotBottom+18), ink, num(smallFont), esc(first))
	}
	for _, l := range secondLines(c.Categories) {
		fmt.Fprintf(&sb, `<text x="%s" y="%s" fill="%s" font-size="%s" text-anchor="middle">%s</text>`, num(xOf(l.at, n)), num(plotBottom+34), muted, num(smallFont), esc(l.text))
	}
	drawn := false
	for i, s := range c.Series {
		st := seriesStyles[i%len(seriesStyles)]
		var path strings.Builder
		prev := false
		for j := 0; j < n && j < len(s.Values); j++ {
			v, ok := value(s.Values[j])
			if !ok {
				prev = false
				continue
			}
			cmd := "L"
			if !prev {
				cmd = "M"
			}
			if path.Len() > 0 {
				path.WriteByte(' ')
			}
			fmt.Fprintf(&path, "%s%s %s", cmd, num(xOf(j, n)), num(yOf(v)))
			prev = true
		}
		if path.Len() == 0 {
			continue
		}
		drawn = true
		fmt.Fprintf(&sb, `<path class="series" d="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-linejoin="round"%s/>`, path.String(), st.colour, dash(st.dash))
		for j := 0; j < n && j < len(s.Values); j++ {
			if v, ok := value(s.Values[j]); ok {
				marker(&sb, st.marker, xOf(j, n), yOf(v), st.colour)
			}
		}
	}
	if !drawn {
		fmt.Fprintf(&sb, `<text x="%s" y="%s" fill="%s" text-anchor="middle">%s</text>`, num((plotLeft+plotRight)/2), num((plotTop+plotBottom)/2), muted, noData)
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // #nosec G203 -- every text is escaped by esc
}

// secondLine is the second line of a category's label, under category at.
type secondLine struct {
	at   int
	text string
}

// secondLines returns the second lines to draw under the categories: each
// where it changes from the category before, except one so close to the
// next that they would overlap (a year whose only quarter is the first).
func secondLines(categories []string) []secondLine {
	var all []secondLine
	prev := ""
	for i, label := range categories {
		if _, rest, _ := strings.Cut(label, " "); rest != "" && rest != prev {
			all = append(all, secondLine{i, rest})
			prev = rest
		}
	}
	var out []secondLine
	for i, l := range all {
		if i+1 < len(all) {
			next := all[i+1]
			room := xOf(next.at, len(categories)) - xOf(l.at, len(categories))
			need := glyph * smallFont / fontSize * float64(utf8.RuneCountInString(l.text)+utf8.RuneCountInString(next.text)) / 2
			if room < need+glyph {
				continue
			}
		}
		out = append(out, l)
	}
	return out
}

// xOf is the x of category i of n: spread across the plot, the only one in
// the middle.
func xOf(i, n int) float64 {
	if n <= 1 {
		return (plotLeft + plotRight) / 2
	}
	return plotLeft + plotInset + float64(i)*(plotRight-plotLeft-2*plotInset)/float64(n-1)
}

// yOf is the y of rate r, clamped into 0..1.
func yOf(r float64) float64 {
	return plotBottom - clamp(r, 0, 1)*(plotBottom-plotTop)
}

// marker draws a series' marker centred on (x, y).
func marker(sb *strings.Builder, kind string, x, y float64, colour string) {
	switch kind {
	case "square":
		fmt.Fprintf(sb, `<rect class="marker" x="%s" y="%s" width="8" height="8" fill="%s"/>`, num(x-4), num(y-4), colour)
	case "diamond":
		fmt.Fprintf(sb, `<path class="marker" d="M%s %s l5 5 l-5 5 l-5 -5 Z" fill="%s"/>`, num(x), num(y-5), colour)
	default:
		fmt.Fprintf(sb, `<circle class="marker" cx="%s" cy="%s" r="4.5" fill="%s"/>`, num(x), num(y), colour)
	}
}

// dash is the stroke-dasharray attribute of a dash pattern, empty for a
// solid line.
func dash(pattern string) string {
	if pattern == "" {
		return ""
	}
	return ` stroke-dasharray="` + pattern + `"`
}

// open writes the <svg> element's start with its title and description.
func open(sb *strings.Builder, id, title, desc string, height float64) {
	fmt.Fprintf(sb, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="%[1]s-title %[1]s-desc" viewBox="0 0 %[2]s %[3]s" width="100%%" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="%[4]s">`,
		esc(id), num(width), num(height), num(fontSize))
	fmt.Fprintf(sb, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(id), esc(title), esc(id), esc(desc))
}

// empty is a chart with nothing to draw: it says so.
func empty(id, title, desc string) template.HTML {
	var sb strings.Builder
	open(&sb, id, title, desc, 30)
	fmt.Fprintf(&sb, `<text x="0" y="20" fill="%s">%s</text></svg>`, muted, noData)
	return template.HTML(sb.String()) // #nosec G203 -- every text is escaped by esc
}

// value returns *v, and false for nil or a value that is not a finite
// number.
func value(v *float64) (float64, bool) {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return 0, false
	}
	return *v, true
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// cut shortens s to at most n characters, ending it with "…" when cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 2 {
		n = 2
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n-1]), " ") + "…"
}

// num writes a coordinate with at most one decimal.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// esc escapes text for an attribute or an element's content.
func esc(s string) string { return html.EscapeString(s) }
