package roster

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/apperr"
)

var (
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

// ParseCSV reads a CSV roster (see the contract: header row, then one person
// per row). The header is case-insensitive, its columns may come in any
// order, and cells are trimmed; a UTF-8 byte order mark, CRLF line ends and
// quoted cells holding commas, quotes or line breaks are accepted. Rows whose
// cells are all empty (",,,," below the data) are skipped.
//
// Rows are numbered as a spreadsheet shows them: the header is row 1 and the
// first person row 2; a record whose quoted cell spans several lines is one
// row. Skipped rows of empty cells are counted; empty lines, which
// encoding/csv drops, are not.
//
// The problems, each located by row and column, say why the file cannot be
// imported: malformed CSV, a missing or duplicate required column, a row
// with the wrong number of cells, text that is not UTF-8, or no people. When
// there are problems the upload must be rejected with them; People then holds
// only the rows that parsed. Unknown columns are ignored with a warning.
// At most 1,000 problems, and as many warnings, are returned, the last
// saying how many more there were.
//
// A column left out of the header is not given by any row: in upsert mode a
// stored person keeps its value (see PlanImport), while an empty cell
// clears it.
//
// r is read to its end; callers pass a size-limited body already in memory,
// and a read error is reported as a problem.
func ParseCSV(r io.Reader) (Upload, []apperr.Problem) {
	return parseCSV(r, maxProblems)
}

// parseCSV is ParseCSV returning at most limit problems (the last saying
// how many more there were).
func parseCSV(r io.Reader, limit int) (Upload, []apperr.Problem) {
	var u Upload
	problems := problemList{noun: "problems", limit: limit}
	warnings := problemList{noun: "warnings"}
	result := func() (Upload, []apperr.Problem) {
		u.Warnings = warnings.list()
		return u, problems.list()
	}
	br := bufio.NewReader(r)
	start, err := br.Peek(len(utf8BOM))
	if err != nil && !errors.Is(err, io.EOF) {
		problems.add(readProblem(err))
		return result()
	}
	switch {
	case bytes.HasPrefix(start, utf8BOM):
		_, _ = br.Discard(len(utf8BOM)) // peeked: cannot fail
	case bytes.HasPrefix(start, utf16LEBOM), bytes.HasPrefix(start, utf16BEBOM):
		problems.add(apperr.Problem{Message: "the file is UTF-16 text; save it as CSV UTF-8"})
		return result()
	}

	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true // allows `a, "b, c"`
	// FieldsPerRecord stays 0: the header sets the number of cells every
	// row must have, and Read reports other rows with ErrFieldCount.

	var (
		header []string // trimmed, lower-case column names
		cols   []int    // column index → index in fields, or -1 when ignored
		row    int
		people int // rows holding a person, whether or not they parsed
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		row++
		pe, isParseErr := errors.AsType[*csv.ParseError](err)
		switch {
		case isParseErr && errors.Is(pe.Err, csv.ErrFieldCount):
			if blank(rec) {
				continue
			}
			people++
			problems.add(apperr.Problem{Row: row,
				Message: fmt.Sprintf("has %d cells, the header has %d columns", len(rec), len(header))})
			continue
		case isParseErr:
			problems.add(csvSyntaxProblem(row, pe))
			// After a bare quote the reader resumes cleanly on the next
			// line; after any other error it may be inside a quoted cell.
			if row == 1 || !errors.Is(pe.Err, csv.ErrBareQuote) {
				return result()
			}
			people++
			continue
		case err != nil:
			problems.add(readProblem(err))
			return result()
		}
		if row == 1 {
			header, cols, u.header = csvHeader(rec, &problems, &warnings)
			continue
		}
		if blank(rec) {
			continue
		}
		people++
		p, ok := csvPerson(rec, header, cols, row, &problems)
		if !ok {
			continue
		}
		u.People = append(u.People, p)
		u.Rows = append(u.Rows, row)
		u.given = append(u.given, u.header)
	}
	switch {
	case row == 0:
		problems.add(apperr.Problem{Message: "the file is empty"})
	case people == 0:
		problems.add(apperr.Problem{Message: "no people in the upload"})
	}
	return result()
}

// readProblem reports a failure to read the upload.
func readProblem(err error) apperr.Problem {
	return apperr.Problem{Message: fmt.Sprintf("the upload could not be read: %v", err)}
}

// csvHeader reads the header row: the trimmed, lower-case column names, the
// field each column holds (-1 for ignored columns) and the set of them. It
// adds what is wrong or ignored to problems and warnings.
func csvHeader(rec []string, problems, warnings *problemList) (header []string, cols []int, given fieldSet) {
	header = make([]string, len(rec))
	cols = make([]int, len(rec))
	seen := make(map[int]int) // field → 1-based column
	for i, cell := range rec {
		cols[i] = -1
		name := strings.ToLower(strings.TrimSpace(cell))
		header[i] = name
		f, known := csvFields[name]
		switch {
		case !utf8.ValidString(cell): // ToLower has replaced bad bytes in name
			problems.add(apperr.Problem{Row: 1,
				Message: fmt.Sprintf("the header of column %d is not UTF-8 text; save the file as CSV UTF-8", i+1)})
		case name == "":
			warnings.add(apperr.Problem{Row: 1,
				Message: fmt.Sprintf("column %d has no header, ignored", i+1)})
		case !known:
			warnings.add(apperr.Problem{Row: 1, Field: name, Message: unknownName("column", name, false)})
		case seen[f] > 0:
			problems.add(apperr.Problem{Row: 1, Field: name,
				Message: fmt.Sprintf("duplicate column (columns %d and %d)", seen[f], i+1)})
		default:
			seen[f] = i + 1
			cols[i] = f
			given = given.with(f)
		}
	}
	for f := range fields {
		if required.has(f) && !given.has(f) {
			problems.add(apperr.Problem{Row: 1, Field: fields[f].csv, Message: "required column is missing"})
		}
	}
	return header, cols, given
}

// csvPerson builds the person of one data row, adding what is wrong with
// the row to problems; ok reports that nothing is.
func csvPerson(rec, header []string, cols []int, row int, problems *problemList) (p Person, ok bool) {
	before := problems.n
	for i, f := range cols {
		if f < 0 {
			continue
		}
		if !utf8.ValidString(rec[i]) {
			problems.add(apperr.Problem{Row: row, Field: header[i],
				Message: "is not UTF-8 text; save the file as CSV UTF-8"})
			continue
		}
		fields[f].set(&p, strings.TrimSpace(rec[i]))
	}
	return p, problems.n == before
}

// csvSyntaxProblem explains a CSV syntax error found in row.
func csvSyntaxProblem(row int, pe *csv.ParseError) apperr.Problem {
	// The reader reports only ErrBareQuote and ErrQuote this way (field
	// counts are handled by the caller).
	msg := `a quoted cell has a stray " or is never closed; the rest of the file was not read`
	if errors.Is(pe.Err, csv.ErrBareQuote) {
		msg = `a " in a cell that is not quoted; quote the whole cell and double the " inside it ("")`
	}
	return apperr.Problem{Row: row, Message: fmt.Sprintf("malformed CSV on line %d, column %d: %s", pe.Line, pe.Column, msg)}
}

// blank reports whether every cell of rec is empty or white space, like the
// ",,,," rows spreadsheets leave below the data.
func blank(rec []string) bool {
	for _, cell := range rec {
		if strings.TrimSpace(cell) != "" {
			return false
		}
	}
	return true
}
