package httpapi

import (
	"net/http"
)

// maxSettingsBody bounds PUT /api/settings; a real body is a few bytes.
const maxSettingsBody = 16 << 10

// settingsRequest is the body of PUT /api/settings.
type settingsRequest struct {
	SendingPaused *bool `json:"sendingPaused"`
}

// getSettings answers GET /api/settings.
func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.deps.OrgConfig.Settings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// putSettings answers PUT /api/settings with the settings as stored. A
// request that changes nothing writes nothing; two concurrent changes
// cannot both be stored (409).
func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, maxSettingsBody)
	if err != nil {
		return err
	}
	var req settingsRequest
	if err := decodeStrict(body, &req, `{"sendingPaused": true|false}`); err != nil {
		return err
	}
	if req.SendingPaused == nil {
		return fieldError("sendingPaused", "is required (true or false)")
	}
	st, err := s.deps.OrgConfig.SetSendingPaused(r.Context(), *req.SendingPaused, caller(r).actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
