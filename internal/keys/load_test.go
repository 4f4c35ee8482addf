package keys

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

func mustKey(t *testing.T) (id, rcpt string) {
	t.Helper()
	id, rcpt, err := GenerateX25519()
	if err != nil {
		t.Fatal(err)
	}
	return id, rcpt
}

func copyTestdata(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, filepath.Base(name), string(data), 0o600)
}

func TestLoadSourcesInOrder(t *testing.T) {
	dir := t.TempDir()
	idFlag, rFlag := mustKey(t)
	idHush, rHush := mustKey(t)
	idSops, rSops := mustKey(t)
	idEnv1, rEnv1 := mustKey(t)
	idEnv2, rEnv2 := mustKey(t)
	idEnv3, rEnv3 := mustKey(t)
	flag := writeFile(t, dir, "flag.txt", idFlag+"\n", 0o600)
	hush := writeFile(t, dir, "hush.txt", idHush+"\n", 0o600)
	sops := writeFile(t, dir, "sops.txt", "# comment\n\n  "+idSops+"  \n", 0o600)
	sshKey := copyTestdata(t, dir, "ssh_ed25519")
	env := map[string]string{
		"HUSH_AGE_KEY_FILE":             hush,
		"SOPS_AGE_KEY_FILE":             sops,
		"SOPS_AGE_KEY":                  "# inline\n" + idEnv1 + " " + idEnv2 + "\n" + idEnv3 + "\n",
		"SOPS_AGE_SSH_PRIVATE_KEY_FILE": sshKey,
	}
	set, err := Load(LoadOptions{Files: []string{flag}, Getenv: envOf(env), NoDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		rFlag + " (from " + flag + ")",
		rHush + " (from " + hush + " ($HUSH_AGE_KEY_FILE))",
		rSops + " (from " + sops + " ($SOPS_AGE_KEY_FILE))",
		rEnv1 + " (from $SOPS_AGE_KEY)",
		rEnv2 + " (from $SOPS_AGE_KEY)",
		rEnv3 + " (from $SOPS_AGE_KEY)",
	}
	got := set.Describe()
	if len(got) != len(want)+2 {
		t.Fatalf("Describe = %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Describe[%d] = %q, want %q", i, got[i], want[i])
		}
	}
	if last := got[len(want)]; !strings.HasPrefix(last, "ssh-ed25519 SHA256:") || !strings.HasSuffix(last, "($SOPS_AGE_SSH_PRIVATE_KEY_FILE))") {
		t.Errorf("ssh entry = %q", last)
	}
	vecR, _ := readVector(t)
	if conv := got[len(want)+1]; conv != vecR+" (from ssh-to-age of "+sshKey+" ($SOPS_AGE_SSH_PRIVATE_KEY_FILE))" {
		t.Errorf("converted entry = %q", conv)
	}
	for _, d := range got {
		if strings.Contains(d, "AGE-SECRET-KEY") || strings.Contains(d, "BEGIN") {
			t.Fatalf("Describe leaks secret material: %q", d)
		}
	}
	// Each source really decrypts.
	for _, r := range []string{rFlag, rHush, rSops, rEnv1, rEnv2, rEnv3} {
		enc, _ := WrapAge(dataKey(), r)
		if k, err := set.UnwrapAge([]byte(enc)); err != nil || !bytes.Equal(k, dataKey()) {
			t.Fatalf("%s: %v", r, err)
		}
	}
}

func TestLoadDefaults(t *testing.T) {
	home := t.TempDir()
	id, r := mustKey(t)
	if err := os.MkdirAll(filepath.Join(home, ".config", "sops", "age"), 0o700); err != nil {
		t.Fatal(err)
	}
	keys := writeFile(t, filepath.Join(home, ".config", "sops", "age"), "keys.txt", id+"\n", 0o600)
	if err := os.MkdirAll(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	copyTestdata(t, filepath.Join(home, ".ssh"), "ssh_ed25519")
	rsa := copyTestdata(t, filepath.Join(home, ".ssh"), "ssh_rsa")
	if err := os.Rename(rsa, filepath.Join(home, ".ssh", "id_rsa")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(home, ".ssh", "ssh_ed25519"), filepath.Join(home, ".ssh", "id_ed25519")); err != nil {
		t.Fatal(err)
	}

	set, err := Load(LoadOptions{Getenv: envOf(map[string]string{"HOME": home})})
	if err != nil {
		t.Fatal(err)
	}
	d := set.Describe()
	vecR, _ := readVector(t)
	if len(d) != 4 || d[0] != r+" (from "+keys+")" || !strings.HasPrefix(d[1], "ssh-ed25519 ") || !strings.HasPrefix(d[2], vecR+" (from ssh-to-age of ") || !strings.HasPrefix(d[3], "ssh-rsa ") {
		t.Fatalf("Describe = %q", d)
	}
	rs := set.AgeRecipients()
	if len(rs) != 4 || rs[0] != r || !strings.HasPrefix(rs[1], "ssh-ed25519 AAAA") || rs[2] != vecR || !strings.HasPrefix(rs[3], "ssh-rsa AAAA") {
		t.Fatalf("AgeRecipients = %q", rs)
	}
	// The SSH recipients decrypt through their private keys, and so does the ssh-to-age
	// recipient of the ed25519 key (how sops-nix hosts are usually listed in .sops.yaml).
	for _, rcpt := range rs[1:] {
		enc, err := WrapAge(dataKey(), rcpt)
		if err != nil {
			t.Fatal(err)
		}
		if k, err := set.UnwrapAge([]byte(enc)); err != nil || !bytes.Equal(k, dataKey()) {
			t.Fatalf("%s: %v", rcpt[:11], err)
		}
	}

	// XDG_CONFIG_HOME moves keys.txt; the same file named twice loads once.
	xdg := filepath.Join(home, "xdg")
	os.MkdirAll(filepath.Join(xdg, "sops", "age"), 0o700)
	id2, r2 := mustKey(t)
	keys2 := writeFile(t, filepath.Join(xdg, "sops", "age"), "keys.txt", id2+"\n", 0o600)
	set, err = Load(LoadOptions{Getenv: envOf(map[string]string{"HOME": home, "XDG_CONFIG_HOME": xdg, "SOPS_AGE_KEY_FILE": keys2})})
	if err != nil {
		t.Fatal(err)
	}
	if d := set.Describe(); len(d) != 4 || !strings.HasPrefix(d[0], r2+" ") {
		t.Fatalf("with XDG_CONFIG_HOME: Describe = %q", d)
	}

	// NoDefaults ignores all of it; missing defaults are no error.
	set, err = Load(LoadOptions{Getenv: envOf(map[string]string{"HOME": home}), NoDefaults: true})
	if err != nil || len(set.Describe()) != 0 {
		t.Fatalf("NoDefaults: %v %q", err, set.Describe())
	}
	set, err = Load(LoadOptions{Getenv: envOf(map[string]string{"HOME": t.TempDir()})})
	if err != nil || len(set.Describe()) != 0 {
		t.Fatalf("empty home: %v %q", err, set.Describe())
	}
}

func TestLoadBrokenDefaultIsSkipped(t *testing.T) {
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	writeFile(t, filepath.Join(home, ".ssh"), "id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n-----END OPENSSH PRIVATE KEY-----\n", 0o600)
	set, err := Load(LoadOptions{Getenv: envOf(map[string]string{"HOME": home})})
	if err != nil {
		t.Fatal(err)
	}
	_, err = set.UnwrapAge([]byte("age-encryption.org/v1\n"))
	if !errors.Is(err, ErrNoIdentity) || !strings.Contains(err.Error(), "id_rsa") {
		t.Fatalf("want ErrNoIdentity mentioning the skipped key, got %v", err)
	}
}

func TestLoadExplicitErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	id, _ := mustKey(t)
	// A key with one character changed: bad checksum. The error must not quote it.
	broken := id[:20] + string("qpzry"[(strings.IndexByte("QPZRY", id[20])+1)%5]-32) + id[21:]
	if broken == id {
		t.Fatal("test bug")
	}
	bad := writeFile(t, dir, "bad.txt", "# ok\n"+broken+"\n", 0o600)
	garbage := writeFile(t, dir, "garbage.txt", "hello\n", 0o600)
	empty := writeFile(t, dir, "empty.txt", "# nothing\n", 0o600)
	missing := filepath.Join(dir, "missing.txt")
	cases := []struct {
		opts LoadOptions
		want string
	}{
		{LoadOptions{Files: []string{missing}}, missing},
		{LoadOptions{Files: []string{bad}}, bad + ": line 2"},
		{LoadOptions{Files: []string{garbage}}, garbage + ": line 1"},
		{LoadOptions{Files: []string{empty}}, empty},
		{LoadOptions{Getenv: envOf(map[string]string{"SOPS_AGE_KEY_FILE": missing})}, "SOPS_AGE_KEY_FILE"},
		{LoadOptions{Getenv: envOf(map[string]string{"HUSH_AGE_KEY_FILE": garbage})}, "HUSH_AGE_KEY_FILE"},
		{LoadOptions{Getenv: envOf(map[string]string{"SOPS_AGE_KEY": "x " + broken})}, "$SOPS_AGE_KEY"},
		{LoadOptions{Getenv: envOf(map[string]string{"SOPS_AGE_SSH_PRIVATE_KEY_FILE": garbage})}, garbage},
		{LoadOptions{SSHKeyPaths: []string{missing}}, missing},
		{LoadOptions{PGPKeyFiles: []string{garbage}}, garbage},
		{LoadOptions{Getenv: envOf(map[string]string{"HUSH_PGP_KEY_FILE": missing})}, missing},
	}
	for i, c := range cases {
		c.opts.NoDefaults = true
		if c.opts.Getenv == nil {
			c.opts.Getenv = noEnv
		}
		_, err := Load(c.opts)
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("case %d: error %q does not name %q", i, err, c.want)
		}
		if strings.Contains(err.Error(), broken[16:]) {
			t.Errorf("case %d: error quotes secret material", i)
		}
	}
}

// countingPrompt answers with pass and counts how often it is asked.
func countingPrompt(pass string, n *atomic.Int32) func(string) ([]byte, error) {
	return func(string) ([]byte, error) {
		n.Add(1)
		return []byte(pass), nil
	}
}

func TestEncryptedSSHKeyPromptsOnceWhenNeeded(t *testing.T) {
	dir := t.TempDir()
	key := copyTestdata(t, dir, "ssh_ed25519_passphrase")
	pub, _ := os.ReadFile("testdata/ssh_ed25519_passphrase.pub")
	var asked atomic.Int32
	set, err := Load(LoadOptions{SSHKeyPaths: []string{key}, Getenv: noEnv, NoDefaults: true, Prompt: countingPrompt("correct horse", &asked)})
	if err != nil {
		t.Fatal(err)
	}
	if asked.Load() != 0 {
		t.Fatal("prompted at load time")
	}
	// A blob for another key does not prompt.
	_, other := mustKey(t)
	enc, _ := WrapAge(dataKey(), other)
	if _, err := set.UnwrapAge([]byte(enc)); !errors.Is(err, ErrNoIdentity) || asked.Load() != 0 {
		t.Fatalf("other key: err %v, asked %d", err, asked.Load())
	}
	enc, err = WrapAge(dataKey(), strings.TrimSpace(string(pub)))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if k, err := set.UnwrapAge([]byte(enc)); err != nil || !bytes.Equal(k, dataKey()) {
				t.Errorf("unwrap: %v", err)
			}
		}()
	}
	wg.Wait()
	if asked.Load() != 1 {
		t.Fatalf("asked %d times, want 1", asked.Load())
	}

	// Wrong passphrase: three tries, then a remembered error.
	asked.Store(0)
	set, _ = Load(LoadOptions{SSHKeyPaths: []string{key}, Getenv: noEnv, NoDefaults: true, Prompt: countingPrompt("wrong", &asked)})
	for range 2 {
		if _, err := set.UnwrapAge([]byte(enc)); err == nil || !strings.Contains(err.Error(), "wrong passphrase") || !strings.Contains(err.Error(), key) {
			t.Fatalf("wrong passphrase: %v", err)
		}
	}
	if asked.Load() != 3 {
		t.Fatalf("asked %d times, want 3", asked.Load())
	}
}

// TestEncryptedSSHKeyNoTTY runs the real /dev/tty prompt in a child process with no
// controlling terminal (setsid): it must fail at once with ErrNoTTY, not hang.
func TestEncryptedSSHKeyNoTTY(t *testing.T) {
	if os.Getenv("HUSH_KEYS_NOTTY_CHILD") == "1" {
		noTTYChild()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestEncryptedSSHKeyNoTTY$")
	cmd.Env = append(os.Environ(), "HUSH_KEYS_NOTTY_CHILD=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("NOTTY-OK")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func noTTYChild() {
	pub, _ := os.ReadFile("testdata/ssh_ed25519_passphrase.pub")
	set, err := Load(LoadOptions{SSHKeyPaths: []string{"testdata/ssh_ed25519_passphrase"}, Getenv: noEnv, NoDefaults: true})
	if err != nil {
		fmt.Println("load:", err)
		return
	}
	enc, _ := WrapAge(dataKey(), strings.TrimSpace(string(pub)))
	_, err = set.UnwrapAge([]byte(enc))
	if errors.Is(err, ErrNoTTY) && strings.Contains(err.Error(), "ssh_ed25519_passphrase") {
		fmt.Println("NOTTY-OK")
		return
	}
	fmt.Println("unexpected:", err)
}
