package install

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/manifest"
	"github.com/hush-nix/hush/internal/template"
	"github.com/hush-nix/hush/internal/testenv"
)

// sopsEncrypt encrypts plaintext with the real sops CLI to recipient.
func sopsEncrypt(t *testing.T, sops, recipient, format string, plain []byte) []byte {
	t.Helper()
	cmd := exec.Command(sops, "encrypt", "--age", recipient, "--input-type", format, "--output-type", format, "/dev/stdin")
	cmd.Stdin = bytes.NewReader(plain)
	cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE=/nonexistent")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sops encrypt (%s): %v: %s", format, err, stderr.String())
	}
	return out
}

// TestSopsNixDifferential installs a sops-nix manifest.json over files made by the real
// sops CLI, with the real decrypter, and checks the tree against sops-install-secrets'
// behaviour (pkgs/sops-install-secrets/main.go): generations <secretsMountPoint>/N, files
// at N/<name> (subdirectories 0751 root:keys), templates at N/rendered/<name>, contents
// (a value for a key, the whole `sops decrypt` output for key "" and for binary/dotenv),
// owners by name or id, modes, custom paths as symlinks to <symlinkPath>/<name> owned like
// the secret, no restart lists on first activation, units of changed secrets afterwards,
// pruning to keepGenerations.
func TestSopsNixDifferential(t *testing.T) {
	tr := newTree(t)
	sops := testenv.Sops(t)
	id, rec, err := keys.GenerateX25519()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(tr.root, "key.txt")
	_ = os.WriteFile(keyFile, []byte(id+"\n"), 0o600)
	yamlPlain := []byte("db:\n    password: yaml-secret-1\n    user: app\nplain: yaml-secret-2\n")
	write := func(name string, b []byte) string {
		p := filepath.Join(tr.root, "src", name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	yamlFile := write("s.yaml", sopsEncrypt(t, sops, rec, "yaml", yamlPlain))
	jsonFile := write("s.json", sopsEncrypt(t, sops, rec, "json", []byte(`{"api":{"token":"json-secret-3"}}`)))
	binFile := write("s.bin", sopsEncrypt(t, sops, rec, "binary", []byte("binary-secret-4\x00\x01")))
	envFile := write("s.env", sopsEncrypt(t, sops, rec, "dotenv", []byte("A=env-secret-5\n")))

	link := filepath.Join(tr.root, "etc/app/token")
	secret := func(name, key, file, format, mode string, owner, group any, uid, gid int, path string, restart []string) map[string]any {
		if path == "" {
			path = filepath.Join(tr.symlink(), name)
		}
		return map[string]any{"name": name, "key": key, "path": path, "owner": owner, "uid": uid, "group": group, "gid": gid,
			"sopsFile": file, "format": format, "mode": mode, "restartUnits": restart, "reloadUnits": []string{}}
	}
	secrets := []any{
		secret("db-password", "db/password", yamlFile, "yaml", "0400", testUser1, testGroup, 0, 0, "", []string{"db.service"}),
		secret("nested/plain", "plain", yamlFile, "yaml", "0440", nil, nil, testUID2, testGID, "", nil),
		secret("whole", "", yamlFile, "yaml", "0400", nil, nil, 0, 0, "", nil),
		secret("token", "api/token", jsonFile, "json", "0400", testUser2, nil, 0, 0, link, []string{"api.service"}),
		secret("blob", "ignored", binFile, "binary", "0400", nil, nil, 0, 0, "", nil),
		secret("dotenv", "", envFile, "dotenv", "0400", nil, nil, 0, 0, "", nil),
	}
	ph := map[string]string{}
	for _, s := range secrets {
		n := s.(map[string]any)["name"].(string)
		ph[n] = template.SopsPlaceholder(n)
	}
	man := map[string]any{
		"secrets": secrets,
		"templates": []any{map[string]any{"name": "app.conf", "content": "pw=" + ph["db-password"] + "\n", "path": filepath.Join(tr.symlink(), "rendered/app.conf"),
			"mode": "0400", "owner": nil, "uid": 0, "group": nil, "gid": 0, "file": "", "restartUnits": []string{"tpl.service"}, "reloadUnits": []string{}}},
		"placeholderBySecretName": ph,
		"secretsMountPoint":       tr.mount(), "symlinkPath": tr.symlink(), "keepGenerations": 1,
		// sops-nix's default lists the host's RSA key here (gnupg.sshKeyPaths): accepted.
		"sshKeyPaths": []string{"/etc/ssh/ssh_host_rsa_key"}, "gnupgHome": "", "ageKeyFile": keyFile, "ageSshKeyPaths": []string{},
		"useTmpfs": false, "userMode": false, "logging": map[string]any{"keyImport": true, "secretChanges": true},
	}
	install := func() *Result {
		data, _ := json.Marshal(man)
		m, err := manifest.Parse(data, "manifest.json")
		if err != nil {
			t.Fatal(err)
		}
		cfgs, err := FromManifest(m)
		if err != nil || len(cfgs) != 1 {
			t.Fatalf("configs %v %v", cfgs, err)
		}
		e := &Engine{NixosRunDir: filepath.Join(tr.root, "run/nixos")}
		res, err := e.Install(cfgs[0])
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := install()
	gen := filepath.Join(tr.mount(), "1")
	if l, _ := os.Readlink(tr.symlink()); l != gen || res.Generation != 1 {
		t.Fatalf("symlink -> %s (generation %d)", l, res.Generation)
	}
	sopsDecrypt := func(file, format string) []byte {
		cmd := exec.Command(sops, "decrypt", "--input-type", format, "--output-type", format, file)
		cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE="+keyFile)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("sops decrypt %s: %v", file, err)
		}
		return out
	}
	keysGID, _ := (SystemAccounts{}).GroupID("keys")
	want := map[string]fileInfo{
		".":                 {Mode: 0o751, GID: uint32(keysGID), Digest: "dir"},
		"db-password":       {Mode: 0o400, UID: testUID1, GID: testGID, Digest: digestOf("yaml-secret-1")},
		"nested":            {Mode: 0o751, GID: uint32(keysGID), Digest: "dir"},
		"nested/plain":      {Mode: 0o440, UID: testUID2, GID: testGID, Digest: digestOf("yaml-secret-2")},
		"whole":             {Mode: 0o400, Digest: digestOf(string(sopsDecrypt(yamlFile, "yaml")))},
		"token":             {Mode: 0o400, UID: testUID2, Digest: digestOf("json-secret-3")},
		"blob":              {Mode: 0o400, Digest: digestOf(string(sopsDecrypt(binFile, "binary")))},
		"dotenv":            {Mode: 0o400, Digest: digestOf(string(sopsDecrypt(envFile, "dotenv")))},
		"rendered":          {Mode: 0o751, GID: uint32(keysGID), Digest: "dir"},
		"rendered/app.conf": {Mode: 0o400, Digest: digestOf("pw=yaml-secret-1\n")},
	}
	if d := diffSnapshots(want, snapshot(t, gen)); d != "" {
		t.Errorf("installed tree differs from sops-nix's:\n%s", d)
	}
	var st unix.Stat_t
	if err := unix.Lstat(link, &st); err != nil || st.Uid != testUID2 {
		t.Errorf("custom path owner %d (%v), want the secret's owner", st.Uid, err)
	}
	if l, _ := os.Readlink(link); l != filepath.Join(tr.symlink(), "token") {
		t.Errorf("custom path -> %s, want <symlinkPath>/token", l)
	}
	if _, err := os.Stat(filepath.Join(tr.root, "run/nixos/activation-restart-list")); err == nil {
		t.Error("restart list written on first activation")
	}

	// Change the yaml file: its secrets and the template restart their units.
	yamlPlain2 := bytes.Replace(yamlPlain, []byte("yaml-secret-1"), []byte("yaml-secret-1b"), 1)
	write("s.yaml", sopsEncrypt(t, sops, rec, "yaml", yamlPlain2))
	res = install()
	restart, _ := os.ReadFile(filepath.Join(tr.root, "run/nixos/activation-restart-list"))
	if got := strings.Fields(string(restart)); fmt.Sprint(got) != "[db.service tpl.service]" {
		t.Errorf("restart list %q", got)
	}
	if fmt.Sprint(res.Changed) != "[db-password rendered/app.conf whole]" {
		t.Errorf("changed %v", res.Changed)
	}
	// keepGenerations 1: only the current generation is left.
	if _, err := os.Stat(gen); !os.IsNotExist(err) {
		t.Errorf("generation 1 not pruned: %v", err)
	}
}
