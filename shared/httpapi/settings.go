package httpapi

import (
	"context"
	"net/http"

	"github.com/attest-oss/attest/shared/orgconfig"
)

// SettingsStore keeps the organisation's settings.
type SettingsStore interface {
	// Settings returns the settings; the zero value when none were stored.
	Settings(ctx context.Context) (orgconfig.Settings, error)
	// PutSettings stores st as the next version, with its audit event, if
	// the stored version is still st.Version; Conflict otherwise.
	PutSettings(ctx context.Context, st orgconfig.Settings, actor string) error
}

// maxSettingsBody bounds PUT /api/settings; a real body is a few bytes.
const maxSettingsBody = 16 << 10

// settingsRequest is the body of PUT /api/settings.
type settingsRequest struct {
	SendingPaused *bool `json:"sendingPaused"`
}

// getSettings answers GET /api/settings.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.deps.Settings.Settings(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// putSettings answers PUT /api/settings with the settings as stored. A
// request that changes nothing writes nothing; two concurrent changes
// cannot both be stored (409).
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r, maxSettingsBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req settingsRequest
	if err := decodeStrict(body, &req, `{"sendingPaused": true|false}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.SendingPaused == nil {
		s.writeError(w, r, fieldError("sendingPaused", "is required (true or false)"))
		return
	}
	ctx := r.Context()
	cur, err := s.deps.Settings.Settings(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if cur.SendingPaused != *req.SendingPaused {
		next := cur
		next.SendingPaused = *req.SendingPaused
		if err := s.deps.Settings.PutSettings(ctx, next, caller(r).actor); err != nil {
			s.writeError(w, r, err)
			return
		}
		if cur, err = s.deps.Settings.Settings(ctx); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, cur)
}
