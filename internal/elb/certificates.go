package elb

import (
	"context"
	"crypto/rand"
	"regexp"
	"slices"
	"strings"

	"github.com/elbd/elbd/internal/certs"
	"github.com/elbd/elbd/internal/model"
)

// maxCertificates bounds server certificates per account (IAM's quota is
// 20 by default; elbd is more generous but still bounded).
const maxCertificates = 1000

var (
	certNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	// IAM's path pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F), so "//"
	// is not a path.
	certPathRE = regexp.MustCompile(`^/([\x21-\x7E]+/)?$`)
	// IAM's PathPrefix pattern: \u002F[\u0021-\u007F]*.
	certPathPrefixRE = regexp.MustCompile(`^/[\x21-\x7F]*$`)
)

// UploadInput is UploadServerCertificate's request.
type UploadInput struct {
	Name, Path              string
	Body, PrivateKey, Chain string
	Tags                    []model.Tag
}

// UploadCertificate validates and stores a server certificate.
func (s *Service) UploadCertificate(ctx context.Context, account string, in UploadInput) (*model.Certificate, error) {
	if !certNameRE.MatchString(in.Name) {
		return nil, model.Errorf(model.KindValidation, "ServerCertificateName '%s' must be 1-128 characters of letters, digits and +=,.@_-", in.Name)
	}
	if in.Path == "" {
		in.Path = "/"
	}
	if len(in.Path) > 512 || !certPathRE.MatchString(in.Path) {
		return nil, model.Errorf(model.KindValidation, "Path '%s' must begin and end with / and contain printable ASCII only", in.Path)
	}
	if len(in.Tags) > 50 {
		return nil, model.Errorf(model.KindLimitExceeded, "A certificate can have at most 50 tags")
	}
	for _, t := range in.Tags {
		if err := model.ValidateTag(t); err != nil {
			return nil, model.Errorf(model.KindInvalidInput, "%s", err.Error())
		}
	}
	b, err := certs.Parse(in.Body, in.PrivateKey, in.Chain)
	if err != nil {
		return nil, err
	}
	c := &model.Certificate{Account: account, Name: in.Name, Path: in.Path, ID: certID(),
		ARN:        "arn:aws:iam::" + account + ":server-certificate" + in.Path + in.Name,
		UploadDate: s.cfg.Now().UTC().Truncate(1e9), Expiration: b.NotAfter.UTC(),
		Body: b.CertificatePEM, Chain: b.ChainPEM, PrivateKey: b.PrivateKeyPEM, Tags: in.Tags}
	err = s.update(ctx, func(t *txn) error {
		if _, ok := t.base.Certificates[Key{account, in.Name}]; ok {
			return model.Errorf(model.KindEntityAlreadyExists, "The Server Certificate with name %s already exists.", in.Name)
		}
		n := 0
		for k := range t.base.Certificates {
			if k.Account == account {
				n++
			}
		}
		if n >= maxCertificates {
			return model.Errorf(model.KindLimitExceeded, "Cannot exceed quota for ServerCertificatesPerAccount: %d", maxCertificates)
		}
		t.putCert(c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// certID returns an IAM-style unique id: ASCA plus 17 characters.
func certID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, 17)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "ASCA" + string(b)
}

func noSuchCert(name string) error {
	return model.Errorf(model.KindNoSuchEntity, "The Server Certificate with name %s cannot be found.", name)
}

// Certificate returns one certificate of account by name.
func (s *Service) Certificate(account, name string) (*model.Certificate, error) {
	c, ok := s.state.Load().Certificates[Key{account, name}]
	if !ok {
		return nil, noSuchCert(name)
	}
	return c, nil
}

// ListCertificates returns certificates whose path starts with prefix,
// sorted by name, after marker (a name), at most max (1–1000, default 100).
func (s *Service) ListCertificates(account, prefix, marker string, max int) (list []*model.Certificate, next string, err error) {
	if max == 0 {
		max = 100
	}
	if max < 1 || max > 1000 {
		return nil, "", model.Errorf(model.KindValidation, "MaxItems %d must be between 1 and 1000", max)
	}
	if prefix == "" {
		prefix = "/"
	}
	if len(prefix) > 512 || !certPathPrefixRE.MatchString(prefix) {
		return nil, "", model.Errorf(model.KindValidation, "PathPrefix '%s' must begin with / and contain printable ASCII only", prefix)
	}
	for k, c := range s.state.Load().Certificates {
		if k.Account == account && strings.HasPrefix(c.Path, prefix) && c.Name > marker {
			list = append(list, c)
		}
	}
	slices.SortFunc(list, func(a, b *model.Certificate) int { return strings.Compare(a.Name, b.Name) })
	if len(list) > max {
		list = list[:max]
		next = list[max-1].Name
	}
	return list, next, nil
}

// DeleteCertificate deletes a certificate no listener uses.
func (s *Service) DeleteCertificate(ctx context.Context, account, name string) error {
	return s.update(ctx, func(t *txn) error {
		k := Key{account, name}
		c, ok := t.base.Certificates[k]
		if !ok {
			return noSuchCert(name)
		}
		for lk, lb := range t.base.LoadBalancers {
			if lk.Account != account {
				continue
			}
			for _, l := range lb.Listeners {
				if l.SSLCertificateID == c.ARN {
					return model.Errorf(model.KindDeleteConflict, "Certificate: %s is currently in use by arn:aws:elasticloadbalancing:%s:%s:loadbalancer/%s. Please remove it first before deleting it from IAM.", c.ID, s.cfg.Region, account, lb.Name)
				}
			}
		}
		t.deleteCert(k)
		return nil
	})
}
