package elb

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Certificate is an IAM server certificate, usable as a listener's
// SSLCertificateID (its ARN).
type Certificate struct {
	Name string
	// ID is IAM's stable id (ASCA...).
	ID   string
	ARN  string
	Path string
	// UploadDate and Expiration are zero if unknown.
	UploadDate time.Time
	Expiration time.Time
	// Body and Chain are PEM, set only by GetCertificate.
	Body  string
	Chain string
}

// CertificateUpload is a certificate to upload.
type CertificateUpload struct {
	Name string
	// Path is the IAM path, "" for "/".
	Path string
	// Body, PrivateKey and Chain are PEM; Chain is optional.
	Body       string
	PrivateKey string
	Chain      string
}

func certFromMeta(m *iamtypes.ServerCertificateMetadata) Certificate {
	if m == nil {
		return Certificate{}
	}
	return Certificate{
		Name:       aws.ToString(m.ServerCertificateName),
		ID:         aws.ToString(m.ServerCertificateId),
		ARN:        aws.ToString(m.Arn),
		Path:       aws.ToString(m.Path),
		UploadDate: aws.ToTime(m.UploadDate),
		Expiration: aws.ToTime(m.Expiration),
	}
}

// UploadCertificate uploads a server certificate to IAM and returns its
// metadata. A duplicate name matches loadbalancer.ErrDuplicate; a bad
// PEM or a key that does not match, loadbalancer.ErrInvalidInput.
func (d *Driver) UploadCertificate(ctx context.Context, c CertificateUpload) (Certificate, error) {
	const op = "UploadServerCertificate"
	if c.Name == "" || c.Body == "" || c.PrivateKey == "" {
		return Certificate{}, invalid(op, "name, body and private key are required")
	}
	in := &iam.UploadServerCertificateInput{
		ServerCertificateName: aws.String(c.Name),
		CertificateBody:       aws.String(c.Body),
		PrivateKey:            aws.String(c.PrivateKey),
	}
	if c.Path != "" {
		in.Path = aws.String(c.Path)
	}
	if c.Chain != "" {
		in.CertificateChain = aws.String(c.Chain)
	}
	out, err := d.iam.UploadServerCertificate(ctx, in)
	if err != nil {
		return Certificate{}, wrapErr(op, err)
	}
	return certFromMeta(out.ServerCertificateMetadata), nil
}

// ListCertificates returns every server certificate whose path starts
// with pathPrefix ("" for all), following all pages.
func (d *Driver) ListCertificates(ctx context.Context, pathPrefix string) ([]Certificate, error) {
	in := &iam.ListServerCertificatesInput{}
	if pathPrefix != "" {
		in.PathPrefix = aws.String(pathPrefix)
	}
	out := []Certificate{}
	p := iam.NewListServerCertificatesPaginator(d.iam, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, wrapErr("ListServerCertificates", err)
		}
		for i := range page.ServerCertificateMetadataList {
			out = append(out, certFromMeta(&page.ServerCertificateMetadataList[i]))
		}
	}
	return out, nil
}

// GetCertificate returns the named certificate with its body and chain;
// an unknown name matches loadbalancer.ErrNotFound.
func (d *Driver) GetCertificate(ctx context.Context, name string) (Certificate, error) {
	out, err := d.iam.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String(name)})
	if err != nil {
		return Certificate{}, wrapErr("GetServerCertificate", err)
	}
	if out.ServerCertificate == nil {
		return Certificate{}, nil
	}
	c := certFromMeta(out.ServerCertificate.ServerCertificateMetadata)
	c.Body = aws.ToString(out.ServerCertificate.CertificateBody)
	c.Chain = aws.ToString(out.ServerCertificate.CertificateChain)
	return c, nil
}

// DeleteCertificate deletes the named certificate. One still used by a
// listener matches loadbalancer.ErrInvalidInput (DeleteConflict).
func (d *Driver) DeleteCertificate(ctx context.Context, name string) error {
	_, err := d.iam.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String(name)})
	return wrapErr("DeleteServerCertificate", err)
}
