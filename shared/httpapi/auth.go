package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
)

// principal is who is calling: an API key with its role, or a signed-in
// person (role empty) let through to another person's records.
type principal struct {
	role identity.Role
	// actor names the caller in audit events (identity.KeyActor,
	// identity.PersonActor).
	actor string
	// employeeID is the signed-in person's, empty for an API key.
	employeeID string
	// privileged is set for a key, and (by withKeyOrPerson,
	// withPersonAccess and asPersonWith) for a person holding one of the
	// route's roles; a manager let through to their reports is not.
	privileged bool
	// agreement is the key of the agreement an auditor's API key is scoped
	// to: it may read that agreement only. Empty for anything else.
	agreement string
}

type principalKey struct{}

// withKey requires an API key carrying one of roles: 401 without a valid
// key, 403 with a key of another role. Errors are answered as JSON.
func (s *Server) withKey(next handler, roles ...identity.Role) http.Handler {
	return s.serve(asJSON, func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.authenticate(r)
		if err != nil {
			return err
		}
		if !slices.Contains(roles, p.role) {
			return apperr.New(apperr.Forbidden, "this API key's role (%s) may not do this", p.role)
		}
		if p.agreement != "" && !agreementRoutes[r.Pattern] {
			return apperr.New(apperr.Forbidden, "this API key is scoped to the agreement %q: it may read only that agreement, its report, the metrics of its engagement and its exports", p.agreement)
		}
		return next(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// agreementRoutes are the routes an auditor key scoped to one agreement may
// call (each handler narrows the answer to that agreement); every other
// route refuses such a key with 403, so a customer's auditor reads nothing
// of other customers' people.
var agreementRoutes = map[string]bool{
	"GET /api/metrics":                   true,
	"GET /api/agreements":                true,
	"GET /api/agreements/{key}":          true,
	"GET /api/agreements/{key}/report":   true,
	"GET /api/exports":                   true,
	"GET /api/exports/{id}":              true,
	"GET /api/exports/{id}/files/{name}": true,
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
	if !found || !rec.Valid(s.deps.Now()) {
		return principal{}, apperr.New(apperr.Unauthorized, "the API key is not valid (unknown, revoked or expired)")
	}
	return principal{role: rec.Role, actor: identity.KeyActor(rec.Label, hash), privileged: true, agreement: rec.Agreement}, nil
}

// caller returns the authenticated principal of the request.
func caller(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// maxManagerDepth bounds the walk up a manager chain (the roster refuses
// cycles; this guards against a chain changed mid-walk).
const maxManagerDepth = 32

// withPersonAccess lets through, to one person's records named by the
// {employeeId} path value: an API key with one of roles; or a signed-in
// person who holds one of roles as an access role in the roster (admin,
// auditor), or who is in that person's manager chain (direct or indirect
// manager). To anybody else with a session the person does not exist (404),
// so ids cannot be probed.
func (s *Server) withPersonAccess(next handler, roles ...identity.Role) http.Handler {
	byKey := s.withKey(next, roles...)
	bySession := s.withPerson(asJSON, func(w http.ResponseWriter, r *http.Request, who *signedIn) error {
		ok, err := s.maySee(r.Context(), who, r.PathValue("employeeId"), roles)
		if err != nil {
			return err
		}
		if !ok {
			return roster.ErrNoSuchPerson
		}
		return next(w, asPersonWith(r, who, roles))
	})
	return keyOrSession(byKey, bySession)
}

// withAccess lets through a signed-in person who holds one of roles as an
// access role in the roster (admin, auditor): 403 for anybody else signed
// in. Without a session: as withPerson (a page's GET goes to the sign-in
// page, anything else is 401); state changes need the CSRF token. Errors
// are answered as e says.
func (s *Server) withAccess(e errorsAs, next personHandler, roles ...identity.Role) http.Handler {
	return s.withPerson(e, func(w http.ResponseWriter, r *http.Request, who *signedIn) error {
		if !slices.ContainsFunc(roles, who.person.HasAccess) {
			return apperr.New(apperr.Forbidden, "this needs the %s access role", joinRoles(roles))
		}
		return next(w, r, who)
	})
}

// withKeyOrAccess lets through, on a JSON route, an API key with one of
// roles (as withKey) or, without an Authorization header, a signed-in person
// who holds one of roles as an access role (as withAccess): 401 for
// anonymous callers, 403 for other people and keys of other roles.
func (s *Server) withKeyOrAccess(next handler, roles ...identity.Role) http.Handler {
	bySession := s.withAccess(asJSON, func(w http.ResponseWriter, r *http.Request, who *signedIn) error {
		return next(w, asPerson(r, who))
	}, roles...)
	return keyOrSession(s.withKey(next, roles...), bySession)
}

// withKeyOrPerson lets through, on a JSON route, an API key with one of
// roles (as withKey: 401 without a valid key, 403 with another role) or any
// signed-in person (as withPerson), whose principal says whether they hold
// one of roles as an access role (privileged): the handler's service
// decides what else a person may see (a team: their own and those below
// them).
func (s *Server) withKeyOrPerson(next handler, roles ...identity.Role) http.Handler {
	bySession := s.withPerson(asJSON, func(w http.ResponseWriter, r *http.Request, who *signedIn) error {
		return next(w, asPersonWith(r, who, roles))
	})
	return keyOrSession(s.withKey(next, roles...), bySession)
}

// keyOrSession serves requests with an Authorization header by byKey, the
// others by bySession.
func keyOrSession(byKey, bySession http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			byKey.ServeHTTP(w, r)
			return
		}
		bySession.ServeHTTP(w, r)
	})
}

// asPerson returns r carrying the signed-in person as its principal.
func asPerson(r *http.Request, who *signedIn) *http.Request { return asPersonWith(r, who, nil) }

// asPersonWith returns r carrying the signed-in person as its principal,
// privileged when they hold one of roles as an access role.
func asPersonWith(r *http.Request, who *signedIn, roles []identity.Role) *http.Request {
	p := principal{actor: identity.PersonActor(who.person.EmployeeID), employeeID: who.person.EmployeeID,
		privileged: slices.ContainsFunc(roles, who.person.HasAccess)}
	return r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
}

// joinRoles names roles for a message: "admin or auditor".
func joinRoles(roles []identity.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, " or ")
}

// maySee reports whether a signed-in person may see (or act on) another's
// records: holding one of roles in the roster, or managing them.
func (s *Server) maySee(ctx context.Context, who *signedIn, employeeID string, roles []identity.Role) (bool, error) {
	for _, role := range roles {
		if who.person.HasAccess(role) {
			return true, nil
		}
	}
	id := employeeID
	for range maxManagerDepth {
		rec, found, err := s.deps.People.GetPerson(ctx, id)
		if err != nil || !found || rec.ManagerID == "" {
			return false, err
		}
		if rec.ManagerID == who.person.EmployeeID {
			return true, nil
		}
		id = rec.ManagerID
	}
	return false, nil
}
