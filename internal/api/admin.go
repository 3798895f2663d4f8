package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/query"
	"github.com/elbd/elbd/internal/sigv4"
)

// The admin API manages the instance inventory with JSON over HTTP:
//
//	GET    /admin/v1/instances        list (config-file and API instances)
//	GET    /admin/v1/instances/{id}   one instance
//	PUT    /admin/v1/instances/{id}   add or replace {"zone","ipv4","ipv6","state","account"}
//	DELETE /admin/v1/instances/{id}   remove
//
// Requests are signed with SigV4 for service "elbd" in elbd's region, and
// only the administrator key may use it. Errors are
// {"code": "...", "message": "..."} with the HTTP status of the code, except
// that GET and DELETE of an unknown instance are 404 (code InvalidInstance)
// and DELETE of a config-file instance is 409 (InvalidConfigurationRequest),
// as PUT over one is.

const adminInstances = "/admin/v1/instances"

// AdminInstance is the admin API's JSON form of an instance.
type AdminInstance struct {
	ID      string `json:"id"`
	Zone    string `json:"zone"`
	IPv4    string `json:"ipv4,omitempty"`
	IPv6    string `json:"ipv6,omitempty"`
	State   string `json:"state"`
	Account string `json:"account,omitempty"`
	// Source is "config" or "api".
	Source string `json:"source,omitempty"`
}

type adminError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (h *Handler) adminFail(w http.ResponseWriter, err error) {
	qe := toQueryError(err)
	writeJSON(w, qe.Status, adminError{qe.Code, qe.Message})
}

func (h *Handler) serveAdmin(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil || len(body) > 1<<20 {
		h.adminFail(w, &query.Error{Code: "ValidationError", Status: http.StatusRequestEntityTooLarge, Message: "request body too large or unreadable"})
		return
	}
	p, err := h.authenticate(r, body, AdminService, []string{h.svc.Region()})
	if err != nil {
		h.adminFail(w, err)
		return
	}
	if !p.Admin {
		h.adminFail(w, &sigv4.Error{Code: "AccessDenied", Status: http.StatusForbidden, Message: "Only the administrator key may use the admin API."})
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, adminInstances)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		writeJSON(w, http.StatusNotFound, adminError{"NotFound", "unknown admin path " + r.URL.Path})
		return
	}
	id := strings.TrimPrefix(rest, "/")
	switch {
	case id == "" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, struct {
			Instances []AdminInstance `json:"instances"`
		}{h.allInstances()})
	case id != "" && r.Method == http.MethodGet:
		for _, in := range h.allInstances() {
			if in.ID == id {
				writeJSON(w, http.StatusOK, in)
				return
			}
		}
		adminNotFound(w, id)
	case id != "" && r.Method == http.MethodPut:
		var in AdminInstance
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			h.adminFail(w, model.Errorf(model.KindValidation, "invalid JSON body: %v", err))
			return
		}
		if _, err := dec.Token(); err != io.EOF {
			h.adminFail(w, model.Errorf(model.KindValidation, "invalid JSON body: data after the object"))
			return
		}
		if in.ID != "" && in.ID != id {
			h.adminFail(w, model.Errorf(model.KindValidation, "body id %q does not match path id %q", in.ID, id))
			return
		}
		if in.Account != "" && !isAccountID(in.Account) {
			h.adminFail(w, model.Errorf(model.KindValidation, "account %q must be a 12-digit account id", in.Account))
			return
		}
		if in.State == "" {
			in.State = model.InstanceRunning
		}
		m := model.Instance{ID: id, Zone: in.Zone, IPv4: in.IPv4, IPv6: in.IPv6, State: in.State, Account: in.Account}
		if err := h.svc.PutInstance(r.Context(), m); err != nil {
			h.adminFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, toAdmin(m, "api"))
	case id != "" && r.Method == http.MethodDelete:
		// An API instance is deleted even when a config-file instance of
		// the same id (added to the file later) shadows it.
		if err := h.svc.DeleteInstance(r.Context(), id); err != nil {
			switch {
			case model.KindOf(err) != model.KindInvalidInstance:
				h.adminFail(w, err)
			case h.isStatic(id):
				h.adminFail(w, model.Errorf(model.KindInvalidConfiguration, "Instance %s is declared in the config file; remove it there.", id))
			default:
				adminNotFound(w, id)
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		h.adminFail(w, &query.Error{Code: "MethodNotAllowed", Status: http.StatusMethodNotAllowed, Message: r.Method + " is not allowed on " + r.URL.Path})
	}
}

// adminNotFound answers a GET or DELETE of an unknown instance: 404, with
// the code the ELB API uses for unknown instances.
func adminNotFound(w http.ResponseWriter, id string) {
	writeJSON(w, http.StatusNotFound, adminError{"InvalidInstance", "Could not find instance " + id + "."})
}

// isAccountID reports whether s has the form of an AWS account id. Whether
// the account is declared is not checked here: the handler has no list of
// accounts.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isStatic reports whether id is a config-file instance.
func (h *Handler) isStatic(id string) bool {
	if h.static == nil {
		return false
	}
	for _, in := range h.static.List() {
		if in.ID == id {
			return true
		}
	}
	return false
}

func toAdmin(in model.Instance, source string) AdminInstance {
	return AdminInstance{ID: in.ID, Zone: in.Zone, IPv4: in.IPv4, IPv6: in.IPv6, State: in.State, Account: in.Account, Source: source}
}

// StaticLister lists config-file instances for the admin API.
type StaticLister interface {
	List() []model.Instance
}

// SetStatic tells the handler where config-file instances come from.
func (h *Handler) SetStatic(s StaticLister) { h.static = s }

func (h *Handler) allInstances() []AdminInstance {
	out := []AdminInstance{}
	if h.static != nil {
		for _, in := range h.static.List() {
			out = append(out, toAdmin(in, "config"))
		}
	}
	for _, in := range h.svc.Instances() {
		out = append(out, toAdmin(in, "api"))
	}
	return out
}
