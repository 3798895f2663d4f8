package api

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/elbd/elbd/internal/auth"
	"github.com/elbd/elbd/internal/elb"
	"github.com/elbd/elbd/internal/query"
	"github.com/elbd/elbd/internal/sigv4"
)

// API versions and XML namespaces.
const (
	ELBVersion   = "2012-06-01"
	IAMVersion   = "2010-05-08"
	ELBNamespace = "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/"
	IAMNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	// iamSigningRegion is where IAM's global endpoint is signed; clients
	// aimed at a custom endpoint sign with their own region instead, so
	// both are accepted.
	iamSigningRegion = "us-east-1"
	// AdminService is the SigV4 service name of the admin API.
	AdminService = "elbd"
)

// Handler serves the Query API and the admin API.
type Handler struct {
	svc    *elb.Service
	keys   *auth.Keyring
	log    *slog.Logger
	now    func() time.Time
	limits query.Limits
	static StaticLister
}

// Options configures a Handler.
type Options struct {
	Logger *slog.Logger
	// Now is the clock used for signature expiry; nil means time.Now.
	Now    func() time.Time
	Limits query.Limits
}

// New returns the API handler.
func New(svc *elb.Service, keys *auth.Keyring, o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Handler{svc: svc, keys: keys, log: o.Logger, now: o.Now, limits: o.Limits}
}

// call is one authenticated Query request.
type call struct {
	ctx     context.Context
	account string
	action  string
	p       query.Params
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			h.log.Error("panic serving request", "panic", v, "path", r.URL.Path)
			id := newRequestID()
			query.Write(w, http.StatusInternalServerError, id, query.ErrorBody(ELBNamespace, id,
				&query.Error{Code: "InternalFailure", Status: 500, Message: "The request processing has failed because of an unknown error."}))
		}
	}()
	if strings.HasPrefix(r.URL.Path, "/admin/") {
		h.serveAdmin(w, r)
		return
	}
	id := newRequestID()
	ns := ELBNamespace
	fail := func(err error) {
		qe := toQueryError(err)
		if qe.Status >= 500 {
			h.log.Error("request failed", "request_id", id, "code", qe.Code, "err", err)
		} else {
			h.log.Debug("request rejected", "request_id", id, "code", qe.Code, "msg", qe.Message)
		}
		query.Write(w, qe.Status, id, query.ErrorBody(ns, id, qe))
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		fail(&query.Error{Code: "InvalidAction", Status: http.StatusMethodNotAllowed, Message: "Only GET and POST are supported"})
		return
	}
	req, err := query.Decode(r, h.limits)
	if err != nil {
		fail(err)
		return
	}
	version := req.Params.Get("Version")
	service := "elasticloadbalancing"
	regions := []string{h.svc.Region()}
	switch version {
	case IAMVersion:
		ns, service, regions = IAMNamespace, "iam", []string{iamSigningRegion, h.svc.Region()}
	}
	principal, err := h.authenticate(r, req.Body, service, regions)
	if err != nil {
		fail(err)
		return
	}
	action, ok := req.Params.String("Action")
	if !ok || action == "" {
		fail(&query.Error{Code: "MissingAction", Status: http.StatusBadRequest, Message: "The request must contain the parameter Action"})
		return
	}
	c := &call{ctx: r.Context(), account: principal.Account, action: action, p: req.Params}
	var fn actionFunc
	switch version {
	case ELBVersion:
		fn = elbActions[action]
	case IAMVersion:
		fn = iamActions[action]
	case "":
		fail(missing("Version"))
		return
	default:
		fail(&query.Error{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Could not find operation %s for version %s; elbd serves ELB %s and IAM %s", action, version, ELBVersion, IAMVersion)})
		return
	}
	if fn == nil {
		fail(&query.Error{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("Could not find operation %s for version %s", action, version)})
		return
	}
	result, err := fn(h, c)
	if err != nil {
		fail(err)
		return
	}
	body, err := query.Response(ns, action, id, result)
	if err != nil {
		fail(fmt.Errorf("encode %s response: %w", action, err))
		return
	}
	query.Write(w, http.StatusOK, id, body)
}

type actionFunc func(h *Handler, c *call) (any, error)

// authenticate verifies the request's SigV4 signature for service.
func (h *Handler) authenticate(r *http.Request, body []byte, service string, regions []string) (auth.Principal, error) {
	a, err := sigv4.Parse(r)
	if err != nil {
		return auth.Principal{}, err
	}
	secret, p, ok := h.keys.Lookup(a.AccessKeyID)
	if !ok {
		return auth.Principal{}, &query.Error{Code: "InvalidClientTokenId", Status: http.StatusForbidden,
			Message: "The security token included in the request is invalid."}
	}
	if err := a.CheckScope(service, regions...); err != nil {
		return auth.Principal{}, err
	}
	if err := a.CheckTime(h.now()); err != nil {
		return auth.Principal{}, err
	}
	if err := sigv4.Verify(r, body, a, secret); err != nil {
		return auth.Principal{}, err
	}
	return p, nil
}
