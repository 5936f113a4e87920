package httpapi

import (
	"net/http"
	"time"

	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/identity"
)

// maxKeyBody bounds POST /api/keys; a real body is a few hundred bytes.
const maxKeyBody = 4 << 10

// keyRequest is the body of POST /api/keys.
type keyRequest struct {
	Role      string `json:"role"`
	Label     string `json:"label"`
	ExpiresOn string `json:"expiresOn"`
	Agreement string `json:"agreement"`
}

const keyRequestShape = `{"role": "admin|auditor|hris", "label": "...", "expiresOn": "YYYY-MM-DD", "agreement": "..."}`

// keyView is an API key as listed: never the key, never its hash. Absent
// values are null.
type keyView struct {
	ID        string        `json:"id"`
	Role      identity.Role `json:"role"`
	Label     string        `json:"label"`
	CreatedAt time.Time     `json:"createdAt"`
	CreatedBy string        `json:"createdBy"`
	ExpiresOn *string       `json:"expiresOn"`
	Agreement *string       `json:"agreement"`
	RevokedAt *time.Time    `json:"revokedAt"`
}

// createdKeyView is the answer to POST /api/keys, the one time the key is
// shown.
type createdKeyView struct {
	ID        string        `json:"id"`
	Key       string        `json:"key"`
	Role      identity.Role `json:"role"`
	Label     string        `json:"label"`
	CreatedAt time.Time     `json:"createdAt"`
	ExpiresOn *string       `json:"expiresOn"`
	Agreement *string       `json:"agreement"`
	CreatedBy string        `json:"createdBy"`
}

func viewOfKey(k auth.APIKey) keyView {
	v := keyView{ID: k.ID, Role: k.Role, Label: k.Label, CreatedAt: k.CreatedAt.UTC(), CreatedBy: k.CreatedBy,
		ExpiresOn: orNull(k.ExpiresOn), Agreement: orNull(k.Agreement)}
	if k.Revoked() {
		at := k.RevokedAt.UTC()
		v.RevokedAt = &at
	}
	return v
}

// orNull is s, or nil (JSON null) when s is empty.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// createKey answers POST /api/keys: 201 with the new key, shown once.
func (s *Server) createKey(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, maxKeyBody)
	if err != nil {
		return err
	}
	var req keyRequest
	if err := decodeStrict(body, &req, keyRequestShape); err != nil {
		return err
	}
	key, k, err := s.deps.APIKeys.Create(r.Context(), apikey.Request(req), caller(r).actor, sourceOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, createdKeyView{ID: k.ID, Key: key, Role: k.Role, Label: k.Label, CreatedAt: k.CreatedAt.UTC(),
		ExpiresOn: orNull(k.ExpiresOn), Agreement: orNull(k.Agreement), CreatedBy: k.CreatedBy})
	return nil
}

// listKeys answers GET /api/keys: every key, oldest first, without secrets.
func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.deps.APIKeys.List(r.Context())
	if err != nil {
		return err
	}
	views := make([]keyView, len(keys))
	for i, k := range keys {
		views[i] = viewOfKey(k)
	}
	writeJSON(w, http.StatusOK, map[string]any{"keys": views})
	return nil
}

// revokeKey answers DELETE /api/keys/{id}: 200 with the key as revoked,
// also when it already was (revocation is idempotent); 404 for an unknown id.
func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) error {
	k, err := s.deps.APIKeys.Revoke(r.Context(), r.PathValue("id"), caller(r).actor, sourceOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewOfKey(k))
	return nil
}
