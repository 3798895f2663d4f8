package elb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/elbd/elbd/loadbalancer"
)

// The elbd admin inventory API, reached at {endpoint}/admin/v1/instances
// with JSON signed by SigV4 for service AdminService in the driver's
// region. It exists only on elbd (not on AWS) and only the administrator
// key may use it.
const (
	// AdminService is the SigV4 service name of elbd's admin API.
	AdminService = "elbd"
	adminPath    = "/admin/v1/instances"
)

// Instance states for InventoryInstance.State.
const (
	InstancePending    = "pending"
	InstanceRunning    = "running"
	InstanceStopped    = "stopped"
	InstanceTerminated = "terminated"
)

// InventoryInstance is an instance in elbd's inventory.
type InventoryInstance struct {
	ID   string `json:"id"`
	Zone string `json:"zone"`
	// IPv4 and IPv6 are the addresses elbd forwards to.
	IPv4 string `json:"ipv4,omitempty"`
	IPv6 string `json:"ipv6,omitempty"`
	// State is running (the default), pending, stopped or terminated.
	State string `json:"state"`
	// Account owns the instance; "" means every account may use it.
	Account string `json:"account,omitempty"`
	// Source is "config" (elbd's config file, read-only) or "api";
	// output only.
	Source string `json:"source,omitempty"`
}

// ListInventory returns elbd's instance inventory (elbd only).
func (d *Driver) ListInventory(ctx context.Context) ([]InventoryInstance, error) {
	var out struct {
		Instances []InventoryInstance `json:"instances"`
	}
	if err := d.admin(ctx, "ListInventory", http.MethodGet, "", nil, &out); err != nil {
		return nil, err
	}
	if out.Instances == nil {
		out.Instances = []InventoryInstance{}
	}
	return out.Instances, nil
}

// GetInventoryInstance returns one instance of elbd's inventory (elbd
// only); an unknown id matches loadbalancer.ErrNotFound.
func (d *Driver) GetInventoryInstance(ctx context.Context, id string) (InventoryInstance, error) {
	var out InventoryInstance
	if id == "" {
		return out, invalid("GetInventoryInstance", "empty instance id")
	}
	err := d.admin(ctx, "GetInventoryInstance", http.MethodGet, id, nil, &out)
	return out, err
}

// PutInventoryInstance adds or replaces an instance in elbd's inventory
// (elbd only) and returns it as stored. Instances from elbd's config file
// cannot be replaced.
func (d *Driver) PutInventoryInstance(ctx context.Context, in InventoryInstance) (InventoryInstance, error) {
	const op = "PutInventoryInstance"
	if in.ID == "" {
		return InventoryInstance{}, invalid(op, "empty instance id")
	}
	body := in
	body.Source = ""
	var out InventoryInstance
	err := d.admin(ctx, op, http.MethodPut, in.ID, body, &out)
	return out, err
}

// DeleteInventoryInstance removes an instance from elbd's inventory
// (elbd only).
func (d *Driver) DeleteInventoryInstance(ctx context.Context, id string) error {
	const op = "DeleteInventoryInstance"
	if id == "" {
		return invalid(op, "empty instance id")
	}
	return d.admin(ctx, op, http.MethodDelete, id, nil, nil)
}

// admin sends one signed admin API request and decodes the JSON reply
// into out (if not nil).
func (d *Driver) admin(ctx context.Context, op, method, id string, in, out any) error {
	if d.endpoint == "" {
		return unsupported(op, "the inventory admin API exists only on elbd; set Options.Endpoint")
	}
	u := d.endpoint + adminPath
	if id != "" {
		u += "/" + url.PathEscape(id)
	}
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if d.cfg.Credentials == nil {
		return fmt.Errorf("%s: no credentials: %w", op, loadbalancer.ErrAuth)
	}
	creds, err := d.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("%s: retrieving credentials: %w", op, err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, AdminService, d.cfg.Region, time.Now()); err != nil {
		return fmt.Errorf("%s: signing: %w", op, err)
	}
	client := d.http
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s: reading response: %w", op, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &e) != nil || e.Code == "" {
			e.Code, e.Message = http.StatusText(resp.StatusCode), string(bytes.TrimSpace(data))
		}
		kind := ErrorKind(e.Code)
		if kind == nil && resp.StatusCode == http.StatusNotFound {
			kind = loadbalancer.ErrNotFound
		}
		return &loadbalancer.ProviderError{Op: op, Code: e.Code, Message: e.Message, StatusCode: resp.StatusCode, Kind: kind}
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: decoding response: %w", op, err)
	}
	return nil
}
