package evidence

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"
)

// The PDF's page: A4 portrait, in millimetres.
const (
	pdfMargin = 15.0
	pdfWidth  = 210.0 - 2*pdfMargin
	pdfLine   = 5.5
)

// pdfASCII replaces the characters of the texts that the PDF's core fonts
// (Windows-1252) cannot show.
var pdfASCII = strings.NewReplacer("≤", "<=", "÷", "/", "…", "...")

// pdf renders summary.pdf: the summary's content in simpler form, without
// charts. The document's dates are E, its resources are written in a
// fixed order and it has no random id, so the same summary gives the same
// bytes.
func (s summary) pdf() ([]byte, error) {
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCreationDate(s.endAt)
	doc.SetModificationDate(s.endAt)
	doc.SetCatalogSort(true)
	doc.SetCompression(true)
	doc.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	doc.SetAutoPageBreak(true, pdfMargin)
	tr := doc.UnicodeTranslatorFromDescriptor("")
	text := func(s string) string { return tr(pdfASCII.Replace(s)) }
	doc.SetTitle("Security training evidence, "+s.Quarter, true)
	doc.SetFooterFunc(func() {
		doc.SetY(-pdfMargin + 3)
		doc.SetFont("Helvetica", "", 8)
		doc.CellFormat(0, 4, text(fmt.Sprintf("Security training evidence, %s, page %d", s.Quarter, doc.PageNo())), "", 0, "C", false, 0, "")
	})
	doc.AddPage()

	heading := func(size float64, t string) {
		doc.SetFont("Helvetica", "B", size)
		doc.MultiCell(0, size*0.5, text(t), "", "L", false)
		doc.Ln(1)
	}
	para := func(t string) {
		doc.SetFont("Helvetica", "", 10)
		doc.MultiCell(0, pdfLine, text(t), "", "L", false)
		doc.Ln(1)
	}
	// table draws a table: widths in millimetres, the first column left
	// aligned and the others right aligned.
	table := func(widths []float64, head []string, rows [][]string) {
		doc.SetFont("Helvetica", "B", 9)
		for i, h := range head {
			doc.CellFormat(widths[i], pdfLine+1, text(h), "B", 0, align(i), false, 0, "")
		}
		doc.Ln(-1)
		doc.SetFont("Helvetica", "", 9)
		for _, r := range rows {
			for i, c := range r {
				doc.CellFormat(widths[i], pdfLine+1, fit(doc, text(c), widths[i]-2), "B", 0, align(i), false, 0, "")
			}
			doc.Ln(-1)
		}
		doc.Ln(3)
	}

	heading(16, "Security training evidence, "+s.Quarter)
	if s.Final {
		para("FINAL: built from the quarter's frozen snapshot " + s.Snapshot + ". Building it again gives the same files.")
	} else {
		para("PREVIEW, NOT FINAL: the quarter is not over. Figures as recorded before " + s.End + ".")
	}
	para("Scope: " + s.Scope + ".")
	if a := s.Agreement; a != nil {
		in := "in force from " + a.StartDate
		if a.EndDate != "" {
			in += " to " + a.EndDate
		}
		if !a.InForce {
			in += " (not in force during this period)"
		}
		para(fmt.Sprintf("Agreement %s, customer %s, engagement %s, %s.", a.Key, a.Customer, a.Engagement, in))
	}
	para(fmt.Sprintf("Period: %s to %s (UTC). Cut (E): %s; only what was recorded before it counts.", s.FirstDay, s.AsOf, s.End))
	para(fmt.Sprintf("Rows: %d people, %d assignments, %d acknowledgments, %d audit events.",
		s.Counts.People, s.Counts.Assignments, s.Counts.Acknowledgments, s.Log.InScope))

	heading(13, "Headline figures")
	var rows [][]string
	for _, h := range s.Headline {
		rows = append(rows, []string{h.Label, h.Value, h.Detail})
	}
	table([]float64{55, 30, pdfWidth - 85}, []string{"Figure", "Value", "From"}, rows)

	if s.Agreement != nil {
		heading(13, "Obligations")
		rows = nil
		for _, o := range s.Obligations {
			result := "Missed"
			if o.Met {
				result = "Met"
			}
			rows = append(rows, []string{o.ID + " " + o.Text, o.Target, o.Figure, result})
		}
		table([]float64{pdfWidth - 75, 25, 25, 25}, []string{"Obligation", "Target", "Figure", "Result"}, rows)
		for _, o := range s.Obligations {
			para(o.ID + ": " + o.Detail + ".")
		}
	}

	for _, g := range s.Groups {
		heading(13, g.Title)
		rows = nil
		for _, r := range g.Rows {
			rows = append(rows, []string{r.Value, strconv.Itoa(r.People), r.Completion + " (" + r.CompletionDetail + ")",
				r.Overdue, r.OnTime + " (" + r.OnTimeDetail + ")", r.Ack + " (" + r.AckDetail + ")"})
		}
		table([]float64{pdfWidth - 145, 15, 40, 15, 35, 40},
			[]string{g.Head, "People", "Completed", "Overdue", "On time", "Acknowledged"}, rows)
	}

	heading(13, "Method")
	for _, m := range s.Method {
		para(m)
	}
	if s.Agreement != nil {
		para(s.AgreementMethod)
	}
	heading(13, "How to verify this bundle")
	para("Get the public key of the evidence key (public.pem, from GET /api/exports/public-key) and, in the folder holding the files, run:")
	doc.SetFont("Courier", "", 9)
	doc.MultiCell(0, pdfLine, s.VerifySignature+"\n"+s.VerifyLink+"\n"+s.VerifySums, "1", "L", false)
	doc.Ln(2)
	para("The first checks that manifest.json was signed by our key (Verified OK); the second that SHA256SUMS is the one the manifest names (SHA256SUMS: OK); the third checks every file against SHA256SUMS (each OK).")

	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		return nil, fmt.Errorf("render %s: %w", SummaryPDFFile, err)
	}
	return buf.Bytes(), nil
}

// align is the alignment of a table's column i.
func align(i int) string {
	if i == 0 {
		return "L"
	}
	return "R"
}

// fit cuts s, a text in the font's single-byte encoding, so that it fits
// width millimetres in the current font.
func fit(doc *fpdf.Fpdf, s string, width float64) string {
	if doc.GetStringWidth(s) <= width {
		return s
	}
	for len(s) > 1 && doc.GetStringWidth(s+"...") > width {
		s = s[:len(s)-1]
	}
	return s + "..."
}
