package api

import (
	"time"

	"github.com/elbd/elbd/internal/elb"
	"github.com/elbd/elbd/internal/model"
)

// iamActions are the IAM (2010-05-08) server-certificate actions.
var iamActions = map[string]actionFunc{
	"UploadServerCertificate": uploadServerCertificate,
	"GetServerCertificate":    getServerCertificate,
	"ListServerCertificates":  listServerCertificates,
	"DeleteServerCertificate": deleteServerCertificate,
}

type xCertMetadata struct {
	Path                  string
	ServerCertificateName string
	ServerCertificateId   string
	Arn                   string
	UploadDate            string
	Expiration            string
}

func certMetadata(c *model.Certificate) xCertMetadata {
	return xCertMetadata{Path: c.Path, ServerCertificateName: c.Name, ServerCertificateId: c.ID, Arn: c.ARN,
		UploadDate: c.UploadDate.UTC().Format(time.RFC3339), Expiration: c.Expiration.UTC().Format(time.RFC3339)}
}

func certTags(c *model.Certificate) members[xKV] {
	var m members[xKV]
	for _, t := range c.Tags {
		m.Items = append(m.Items, xKV{t.Key, t.Value})
	}
	return m
}

func uploadServerCertificate(h *Handler, c *call) (any, error) {
	v, err := requiredAll(c.p, "ServerCertificateName", "CertificateBody", "PrivateKey")
	if err != nil {
		return nil, err
	}
	tags, err := tagsOf(c.p, "Tags", true)
	if err != nil {
		return nil, err
	}
	cert, err := h.svc.UploadCertificate(c.ctx, c.account, elb.UploadInput{Name: v[0], Path: c.p.Get("Path"),
		Body: v[1], PrivateKey: v[2], Chain: c.p.Get("CertificateChain"), Tags: tags})
	if err != nil {
		return nil, err
	}
	return struct {
		ServerCertificateMetadata xCertMetadata
		Tags                      members[xKV]
	}{certMetadata(cert), certTags(cert)}, nil
}

func getServerCertificate(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "ServerCertificateName")
	if err != nil {
		return nil, err
	}
	cert, err := h.svc.Certificate(c.account, name)
	if err != nil {
		return nil, err
	}
	type xCert struct {
		ServerCertificateMetadata xCertMetadata
		CertificateBody           string
		CertificateChain          string `xml:",omitempty"`
		Tags                      members[xKV]
	}
	// The private key is deliberately absent: IAM never returns it.
	return struct{ ServerCertificate xCert }{xCert{certMetadata(cert), cert.Body, cert.Chain, certTags(cert)}}, nil
}

func listServerCertificates(h *Handler, c *call) (any, error) {
	max, err := optionalInt(c.p, "MaxItems")
	if err != nil {
		return nil, err
	}
	n := 0
	if max != nil {
		n = *max
		if n < 1 {
			return nil, model.Errorf(model.KindValidation, "MaxItems must be between 1 and 1000")
		}
	}
	list, next, err := h.svc.ListCertificates(c.account, c.p.Get("PathPrefix"), c.p.Get("Marker"), n)
	if err != nil {
		return nil, err
	}
	r := struct {
		ServerCertificateMetadataList members[xCertMetadata]
		IsTruncated                   bool
		Marker                        string `xml:",omitempty"`
	}{IsTruncated: next != "", Marker: next}
	r.ServerCertificateMetadataList.Items = make([]xCertMetadata, 0, len(list))
	for _, cert := range list {
		r.ServerCertificateMetadataList.Items = append(r.ServerCertificateMetadataList.Items, certMetadata(cert))
	}
	return r, nil
}

func deleteServerCertificate(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "ServerCertificateName")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DeleteCertificate(c.ctx, c.account, name)
}
