package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/auth"
)

// principal is who is calling.
type principal struct {
	role auth.Role
	// actor names the caller in audit events, e.g. "apikey:hr-sync:1a2b3c4d".
	actor string
}

type principalKey struct{}

// withKey requires an API key carrying one of roles: 401 without a valid
// key, 403 with a key of another role.
func (s *Server) withKey(next http.HandlerFunc, roles ...auth.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !slices.Contains(roles, p.role) {
			s.writeError(w, r, apperr.New(apperr.Forbidden, "this API key's role (%s) may not do this", p.role))
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func (s *Server) authenticate(r *http.Request) (principal, error) {
	header := r.Header.Get("Authorization")
	scheme, key, ok := strings.Cut(header, " ")
	if header == "" {
		return principal{}, apperr.New(apperr.Unauthorized, "an API key is required: Authorization: Bearer <key>")
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		return principal{}, apperr.New(apperr.Unauthorized, "the Authorization header must be: Bearer <key>")
	}
	hash := auth.HashSecret(key)
	rec, found, err := s.deps.Keys.APIKey(r.Context(), hash)
	if err != nil {
		return principal{}, err
	}
	if !found || rec.Revoked() {
		return principal{}, apperr.New(apperr.Unauthorized, "the API key is not valid")
	}
	return principal{role: rec.Role, actor: "apikey:" + rec.Label + ":" + hash[:8]}, nil
}

// caller returns the authenticated principal of the request.
func caller(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}
