// Package auth owns elbd's accounts and access keys: the administrator key
// (from the environment, or generated on first start and kept in the data
// directory with mode 0600) and the keys of further accounts declared in
// the config file. It answers "which account does this access key belong
// to, and with which secret"; signature checking is package sigv4's job.
package auth

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Principal is who a verified request acts as.
type Principal struct {
	Account     string
	AccessKeyID string
	// Admin may use the admin API (instance inventory).
	Admin bool
}

// Key is one access key.
type Key struct {
	AccountID       string `json:"account_id"`
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

// Keyring maps access key ids to their account and secret. It is
// immutable after construction.
type Keyring struct {
	keys map[string]entry
}

type entry struct {
	secret string
	p      Principal
}

// NewKeyring builds a keyring from the admin key and further account keys.
func NewKeyring(admin Key, others []Key) (*Keyring, error) {
	k := &Keyring{keys: map[string]entry{}}
	add := func(key Key, isAdmin bool) error {
		if key.AccessKeyID == "" || key.SecretAccessKey == "" {
			return errors.New("auth: access key id and secret must not be empty")
		}
		if _, dup := k.keys[key.AccessKeyID]; dup {
			return fmt.Errorf("auth: access key %s is declared twice", key.AccessKeyID)
		}
		k.keys[key.AccessKeyID] = entry{secret: key.SecretAccessKey,
			p: Principal{Account: key.AccountID, AccessKeyID: key.AccessKeyID, Admin: isAdmin}}
		return nil
	}
	if err := add(admin, true); err != nil {
		return nil, err
	}
	for _, o := range others {
		if err := add(o, false); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// Lookup returns the secret and principal of an access key id.
func (k *Keyring) Lookup(accessKeyID string) (secret string, p Principal, ok bool) {
	e, ok := k.keys[accessKeyID]
	return e.secret, e.p, ok
}

// credentialsFile is where a generated admin key is kept.
const credentialsFile = "admin-credentials.json"

// AdminKey returns the administrator key. When id and secret are set (from
// ELBD_ACCESS_KEY_ID/ELBD_SECRET_ACCESS_KEY) they are used as they are.
// Otherwise the key stored in dataDir is used, or a new one is generated,
// stored with mode 0600 and reported with generated=true so that the
// caller prints it once.
func AdminKey(dataDir, account, id, secret string) (key Key, generated bool, err error) {
	if id != "" || secret != "" {
		if id == "" || secret == "" {
			return Key{}, false, errors.New("auth: set both ELBD_ACCESS_KEY_ID and ELBD_SECRET_ACCESS_KEY, or neither")
		}
		return Key{AccountID: account, AccessKeyID: id, SecretAccessKey: secret}, false, nil
	}
	path := filepath.Join(dataDir, credentialsFile)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &key); err != nil || key.AccessKeyID == "" || key.SecretAccessKey == "" {
			return Key{}, false, fmt.Errorf("auth: %s is damaged; delete it to generate a new key", path)
		}
		key.AccountID = account
		return key, false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return Key{}, false, fmt.Errorf("auth: %w", err)
	}
	key = Key{AccountID: account, AccessKeyID: "AKIA" + randomString(16, upperBase32), SecretAccessKey: randomString(40, secretAlphabet)}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return Key{}, false, fmt.Errorf("auth: %w", err)
	}
	b, _ = json.MarshalIndent(key, "", "  ")
	if err := writeFileAtomic(path, b, 0o600); err != nil {
		return Key{}, false, fmt.Errorf("auth: store generated key: %w", err)
	}
	return key, true, nil
}

// writeFileAtomic writes via a temporary file and rename, so a crash never
// leaves a half-written key file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

const (
	upperBase32    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// randomString draws n characters uniformly from alphabet, whose length
// must divide 256.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
