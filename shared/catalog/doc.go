// Package catalog is the training content: modules (lessons with a quiz),
// policies (texts people acknowledge every year) and curricula (which role
// keys get which modules and policies). [Default] is the shipped content,
// compiled in; package catalog/load parses and validates content files (it
// is the only one that links the YAML parser).
//
// # Layout
//
// load.Load reads a file system laid out like the content directory of this
// repository:
//
//	modules/<id>.md     one training module per file
//	policies/<id>.md    one policy per file
//	curricula.yaml      role keys mapped to module and policy ids
//
// Every *.md file directly inside modules/ and policies/ is loaded; other
// files and subdirectories are ignored. A Markdown file starts with YAML front
// matter between two lines that contain only "---"; the Markdown body follows
// the closing line. Unknown front-matter fields are errors, so a misspelt
// field never silently falls back to a default.
//
// # Text normalisation
//
// Before parsing, each file is normalised so that editors and operating
// systems cannot change what a file means or hashes to:
//
//  1. A leading UTF-8 byte order mark (EF BB BF) is removed. The rest must
//     be valid UTF-8.
//  2. Every CR LF pair, then every remaining lone CR, becomes LF.
//  3. Spaces (U+0020) and tabs (U+0009) at the end of every line are removed.
//
// The body is then everything after the closing "---" line with leading and
// trailing empty lines removed, its lines joined by LF, with no final LF.
// (Step 3 means Markdown hard line breaks must be written as a backslash at
// the end of the line, not as two trailing spaces.) Text fields of the front
// matter (title, summary, question and option texts, ids) have leading and
// trailing white space removed, as Go's strings.TrimSpace does, after YAML
// decoding. [Module.Body] and [Policy.Body] hold the normalised body, so what
// is rendered is exactly what is hashed.
//
// # Content hashes
//
// [Module.SHA256] and [Policy.SHA256] are the lowercase hex SHA-256 of a
// sequence of records. Each record is
//
//	LABEL ":" LEN ":" VALUE "\n"
//
// where LABEL is the ASCII label below, VALUE the UTF-8 bytes of the value
// and LEN the number of those bytes in decimal, without leading zeros. The
// length prefix makes the encoding unambiguous whatever the values contain,
// and it depends on neither YAML formatting nor map order.
//
// A module's records are, in this order (values after the label):
//
//	format              "attest-module/1"
//	id
//	title
//	version             as MAJOR.MINOR.PATCH
//	body
//	questions           the number of questions, in decimal
//	for each question, in file order:
//	  question.id
//	  question.text
//	  question.options  the number of options, in decimal
//	  for each option, in file order:
//	    option.id
//	    option.text
//	  question.correct  the id of the correct option
//
// Summary, estimated_minutes, recurrence, due_days and pass_mark are
// scheduling data and are not hashed.
//
// A policy's records are format ("attest-policy/1"), id, title, version and
// body. Summary and min_read_seconds are not hashed.
//
// For example, a policy with id "p", title "T", version 1.0.0 and body "Hi"
// hashes these 69 bytes, each line ending in LF:
//
//	format:15:attest-policy/1
//	id:1:p
//	title:1:T
//	version:5:1.0.0
//	body:2:Hi
//
// so that
//
//	printf 'format:15:attest-policy/1\nid:1:p\ntitle:1:T\nversion:5:1.0.0\nbody:2:Hi\n' | sha256sum
//
// prints 7bad65f8acd2148710c49c121a9775dc6f36c76ac106b65a8a9dd5b526c4c4ce.
package catalog
