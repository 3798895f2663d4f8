package auth

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAdminKeyGeneratedOnceAndPrivate(t *testing.T) {
	dir := t.TempDir()
	k1, gen, err := AdminKey(dir, "123456789012", "", "")
	if err != nil || !gen {
		t.Fatalf("AdminKey first start = %v, generated %v; want a new key", err, gen)
	}
	if len(k1.AccessKeyID) != 20 || len(k1.SecretAccessKey) != 40 {
		t.Errorf("generated key %q/%d chars, want 20-char id and 40-char secret", k1.AccessKeyID, len(k1.SecretAccessKey))
	}
	fi, err := os.Stat(filepath.Join(dir, credentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode = %o, want 600", fi.Mode().Perm())
	}
	k2, gen, err := AdminKey(dir, "123456789012", "", "")
	if err != nil || gen || k2 != k1 {
		t.Fatalf("AdminKey second start = %+v, %v, %v; want the stored key, not generated", k2, gen, err)
	}
}

func TestAdminKeyFromEnv(t *testing.T) {
	dir := t.TempDir()
	k, gen, err := AdminKey(dir, "111122223333", "AKIDENV", "sekrit")
	if err != nil || gen || k.AccessKeyID != "AKIDENV" || k.AccountID != "111122223333" {
		t.Fatalf("AdminKey(env) = %+v, %v, %v", k, gen, err)
	}
	if _, err := os.Stat(filepath.Join(dir, credentialsFile)); err == nil {
		t.Error("env key was written to the data dir")
	}
	if _, _, err := AdminKey(dir, "1", "AKIDENV", ""); err == nil {
		t.Error("half-set env key accepted")
	}
}

func TestKeyring(t *testing.T) {
	kr, err := NewKeyring(Key{"111111111111", "ADMIN", "s1"}, []Key{{"222222222222", "OTHER", "s2"}})
	if err != nil {
		t.Fatal(err)
	}
	if s, p, ok := kr.Lookup("ADMIN"); !ok || s != "s1" || !p.Admin || p.Account != "111111111111" {
		t.Errorf("Lookup(ADMIN) = %q %+v %v", s, p, ok)
	}
	if s, p, ok := kr.Lookup("OTHER"); !ok || s != "s2" || p.Admin || p.Account != "222222222222" {
		t.Errorf("Lookup(OTHER) = %q %+v %v", s, p, ok)
	}
	if _, _, ok := kr.Lookup("NOPE"); ok {
		t.Error("Lookup(NOPE) found a key")
	}
	if _, err := NewKeyring(Key{"1", "A", "s"}, []Key{{"2", "A", "t"}}); err == nil {
		t.Error("duplicate access key accepted")
	}
}
