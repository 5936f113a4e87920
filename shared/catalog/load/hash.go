package load

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"

	"github.com/attest-oss/attest/shared/catalog"
)

// Formats of the hashed records, changed only if the record layout changes.
const (
	moduleHashFormat = "attest-module/1"
	policyHashFormat = "attest-policy/1"
)

// writeRecord writes one LABEL ":" LEN ":" VALUE "\n" record, as the package
// documentation defines. Writing to a hash never fails.
func writeRecord(h hash.Hash, label, value string) {
	h.Write([]byte(label + ":" + strconv.Itoa(len(value)) + ":" + value + "\n"))
}

// sum returns the lowercase hex digest of h.
func sum(h hash.Hash) string {
	return hex.EncodeToString(h.Sum(nil))
}

// moduleHash computes Module.SHA256 as the package documentation defines.
func moduleHash(m *catalog.Module) string {
	h := sha256.New()
	writeRecord(h, "format", moduleHashFormat)
	writeRecord(h, "id", m.ID)
	writeRecord(h, "title", m.Title)
	writeRecord(h, "version", m.Version.String())
	writeRecord(h, "body", m.Body)
	writeRecord(h, "questions", strconv.Itoa(len(m.Questions)))
	for _, q := range m.Questions {
		writeRecord(h, "question.id", q.ID)
		writeRecord(h, "question.text", q.Text)
		writeRecord(h, "question.options", strconv.Itoa(len(q.Options)))
		for _, o := range q.Options {
			writeRecord(h, "option.id", o.ID)
			writeRecord(h, "option.text", o.Text)
		}
		writeRecord(h, "question.correct", q.Correct)
	}
	return sum(h)
}

// policyHash computes Policy.SHA256 as the package documentation defines.
func policyHash(p *catalog.Policy) string {
	h := sha256.New()
	writeRecord(h, "format", policyHashFormat)
	writeRecord(h, "id", p.ID)
	writeRecord(h, "title", p.Title)
	writeRecord(h, "version", p.Version.String())
	writeRecord(h, "body", p.Body)
	return sum(h)
}
