package elbctl

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/elbd/elbd/loadbalancer/elb"
)

// certificateView is the JSON form of a server certificate. Body and
// Chain are set only by "certificates get".
type certificateView struct {
	Name       string `json:"name"`
	ID         string `json:"id"`
	ARN        string `json:"arn"`
	Path       string `json:"path"`
	UploadDate string `json:"upload_date"`
	Expiration string `json:"expiration"`
	Body       string `json:"body,omitempty"`
	Chain      string `json:"chain,omitempty"`
}

func toCertificateView(c elb.Certificate) certificateView {
	return certificateView{Name: c.Name, ID: c.ID, ARN: c.ARN, Path: c.Path,
		UploadDate: formatTime(c.UploadDate), Expiration: formatTime(c.Expiration), Body: c.Body, Chain: c.Chain}
}

// formatTime is RFC 3339 in UTC, or "" for the zero time.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (v certificateView) fields() *fields {
	f := &fields{}
	f.add("Name", v.Name)
	f.add("ID", v.ID)
	f.add("ARN", v.ARN)
	f.add("Path", v.Path)
	f.add("Uploaded", v.UploadDate)
	f.add("Expires", v.Expiration)
	return f
}

func (a *app) certificatesCmd() *cobra.Command {
	c := groupCmd("certificates", "Upload, list, show and delete server certificates",
		"Server certificates (IAM) for HTTPS and SSL listeners. A listener refers to\na certificate by its ARN.")
	c.Aliases = []string{"certificate", "certs", "cert"}
	c.AddCommand(a.certificatesUploadCmd(), a.certificatesListCmd(), a.certificatesGetCmd(), a.certificatesDeleteCmd())
	return c
}

func (a *app) certificatesUploadCmd() *cobra.Command {
	var body, key, chain, path string
	c := &cobra.Command{
		Use:   "upload NAME --body FILE --key FILE [--chain FILE] [--path PATH]",
		Short: "Upload a server certificate and its private key",
		Long: "Upload a PEM certificate, its PEM private key and optionally a PEM chain\n" +
			"of intermediate certificates. Prints the certificate's ARN, which\n" +
			"HTTPS/SSL listeners take.",
		Example: "  elbctl certificates upload web --body web.crt --key web.key --chain chain.pem\n" +
			"  ARN=$(elbctl certificates upload web --body web.crt --key web.key -o json | jq -r .arn)\n" +
			"  elbctl listeners create lb https:443:http:8080:$ARN",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			up := elb.CertificateUpload{Name: args[0], Path: path}
			var err error
			if up.Body, err = readPEM("--body", body); err != nil {
				return err
			}
			if up.PrivateKey, err = readPEM("--key", key); err != nil {
				return err
			}
			if chain != "" {
				if up.Chain, err = readPEM("--chain", chain); err != nil {
					return err
				}
			}
			var out elb.Certificate
			err = a.call(cmd, func(ctx context.Context, c *client) (err error) {
				out, err = c.UploadCertificate(ctx, up)
				return err
			})
			if err != nil {
				return err
			}
			v := toCertificateView(out)
			f := v.fields()
			f.title = "Uploaded certificate " + v.Name
			return a.print(v, f)
		},
	}
	f := c.Flags()
	f.StringVar(&body, "body", "", "PEM certificate file (required)")
	f.StringVar(&key, "key", "", "PEM private key file (required)")
	f.StringVar(&chain, "chain", "", "PEM certificate chain file")
	f.StringVar(&path, "path", "", "IAM path, e.g. /elb/ (default /)")
	_ = c.MarkFlagRequired("body")
	_ = c.MarkFlagRequired("key")
	_ = c.MarkFlagFilename("body", "pem", "crt", "cer")
	_ = c.MarkFlagFilename("key", "pem", "key")
	_ = c.MarkFlagFilename("chain", "pem", "crt")
	return c
}

// readPEM reads a PEM file named by flag; an unreadable file is a usage
// error.
func readPEM(flag, name string) (string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return "", usageErrorf("%s: %v", flag, err)
	}
	return string(b), nil
}

func (a *app) certificatesListCmd() *cobra.Command {
	var prefix string
	c := &cobra.Command{
		Use:     "list [--path-prefix PATH]",
		Aliases: []string{"ls"},
		Short:   "List server certificates",
		Example: "  elbctl certificates list\n  elbctl certificates list --path-prefix /elb/",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cs []elb.Certificate
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				cs, err = c.ListCertificates(ctx, prefix)
				return err
			})
			if err != nil {
				return err
			}
			views := make([]certificateView, 0, len(cs))
			t := &table{header: []string{"NAME", "PATH", "EXPIRES", "ARN"}, empty: "No certificates."}
			for _, c := range cs {
				v := toCertificateView(c)
				views = append(views, v)
				t.add(v.Name, v.Path, v.Expiration, v.ARN)
			}
			return a.print(views, t)
		},
	}
	c.Flags().StringVar(&prefix, "path-prefix", "", "only certificates whose path starts with this")
	return c
}

func (a *app) certificatesGetCmd() *cobra.Command {
	var pem bool
	c := &cobra.Command{
		Use:     "get NAME [--pem]",
		Aliases: []string{"show"},
		Short:   "Show a server certificate",
		Long:    "Show a server certificate's metadata, or with --pem print its PEM body\nand chain (JSON output always includes them).",
		Example: "  elbctl certificates get web\n  elbctl certificates get web --pem | openssl x509 -noout -text",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var out elb.Certificate
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				out, err = c.GetCertificate(ctx, args[0])
				return err
			})
			if err != nil {
				return err
			}
			v := toCertificateView(out)
			if pem && a.opts.output != "json" {
				_, err := fmt.Fprint(a.stdout, ensureNewline(v.Body)+ensureNewline(v.Chain))
				return err
			}
			return a.print(v, v.fields())
		},
	}
	c.Flags().BoolVar(&pem, "pem", false, "print the PEM certificate and chain")
	return c
}

// ensureNewline appends a newline to non-empty s that lacks one.
func ensureNewline(s string) string {
	if s != "" && s[len(s)-1] != '\n' {
		return s + "\n"
	}
	return s
}

func (a *app) certificatesDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "delete NAME",
		Aliases: []string{"rm"},
		Short:   "Delete a server certificate",
		Long:    "Delete a server certificate. One that a listener still uses cannot be\ndeleted (exit code 4).",
		Example: "  elbctl certificates delete web",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				return c.DeleteCertificate(ctx, args[0])
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"deleted": args[0]}, "Deleted certificate %s.", args[0])
		},
	}
}
