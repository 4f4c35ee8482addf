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

// TestSopsNixRealDifferential installs the same sops-nix manifest.json (and a
// neededForUsers manifest run with -ignore-passwd, as sops-nix's module does) over files
// made by the real sops CLI once with sops-nix's own sops-install-secrets and once with
// hush's engine, each into its own root with a fresh ramfs, and compares everything the two
// leave: every path under the mount points, the symlinks and the custom paths, contents,
// owners, modes, link targets, the generation layout and pruning, and the restart/reload
// lists over four activations (first, one source changed, another changed and a secret
// removed, nothing changed). Differences docs/install.md documents are asserted as such.
//
// Local only: set SOPS_INSTALL_SECRETS to the binary (CI does not build sops-nix).
func TestSopsNixRealDifferential(t *testing.T) {
	bin := os.Getenv("SOPS_INSTALL_SECRETS")
	if bin == "" {
		t.Skip("skipped: set SOPS_INSTALL_SECRETS to sops-nix's sops-install-secrets binary to compare hush with it (not available in CI)")
	}
	needNamespace(t)
	sops := testenv.Sops(t)
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatal("unshare:", err)
	}
	base := t.TempDir()
	src := filepath.Join(base, "src")
	sisRoot, hushRoot := filepath.Join(base, "sis"), filepath.Join(base, "hush")
	sisLists, hushLists := filepath.Join(base, "sis-nixos"), filepath.Join(base, "hush-nixos")
	for _, d := range []string{src, sisRoot, hushRoot, sisLists, hushLists} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// sops-install-secrets runs in a nested namespace (a private tmpfs over /run with our
	// list directory bound at /run/nixos, where it writes the lists); its root is a shared
	// mount so that the ramfs it mounts itself shows up here.
	if err := unix.Mount(sisRoot, sisRoot, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unix.Unmount(sisRoot, unix.MNT_DETACH) })
	if err := unix.Mount("", sisRoot, "", unix.MS_SHARED, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unmountAll(filepath.Join(hushRoot, "run/secrets.d"))
		unmountAll(filepath.Join(hushRoot, "run/secrets-for-users.d"))
	})

	id, rec, err := keys.GenerateX25519()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(base, "key.txt")
	if err := os.WriteFile(keyFile, []byte(id+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	yamlPlain := []byte("a:\n    b: yaml-secret-1\n    c: app\nplain: yaml-secret-2\nusers:\n    pw: hashed-1\n")
	jsonPlain := []byte(`{"token":"json-secret-3","other":"json-4","api":{"nested":"json-5"}}`)
	yamlFile := write("s.yaml", sopsEncrypt(t, sops, rec, "yaml", yamlPlain))
	jsonFile := write("s.json", sopsEncrypt(t, sops, rec, "json", jsonPlain))
	binFile := write("s.bin", sopsEncrypt(t, sops, rec, "binary", []byte("binary-secret-5\x00\x01\n")))
	envFile := write("s.env", sopsEncrypt(t, sops, rec, "dotenv", []byte("A=env-secret-6\nB=two\n")))
	iniFile := write("s.ini", sopsEncrypt(t, sops, rec, "ini", []byte("[db]\npassword = ini-secret-7\n")))
	tplFile := write("tpl.txt", []byte("user=app\ntoken="+template.SopsPlaceholder("token")+"\n"))

	// manifests gives the sops-nix manifests (system, neededForUsers) for an install root;
	// they differ between the two installers only in that root.
	removed := false
	manifests := func(root string) (system, users []byte) {
		sym := filepath.Join(root, "run/secrets")
		secret := func(name, key, file, format, mode string, owner, group any, uid, gid int, path string, restart, reload []string) map[string]any {
			if path == "" {
				path = filepath.Join(sym, name)
			}
			return map[string]any{"name": name, "key": key, "path": path, "owner": owner, "uid": uid, "group": group, "gid": gid,
				"sopsFile": file, "format": format, "mode": mode, "restartUnits": restart, "reloadUnits": reload}
		}
		none := []string{}
		secrets := []any{
			secret("db-password", "a/b", yamlFile, "yaml", "0400", testUser1, testGroup, 0, 0, "", []string{"db.service"}, []string{"db-reload.service"}),
			secret("nested/deep/plain", "plain", yamlFile, "yaml", "0440", nil, nil, testUID2, testGID, "", none, none),
			secret("whole-yaml", "", yamlFile, "yaml", "0400", nil, testGroup, testUID1, 0, "", none, none),
			secret("token", "token", jsonFile, "json", "0440", testUser2, nil, 0, testGID, filepath.Join(root, "etc/app/token"), []string{"api.service"}, none),
			secret("whole-json", "", jsonFile, "json", "0444", nil, nil, 0, 0, "", none, []string{"json.service"}),
			secret("blob", "", binFile, "binary", "0400", nil, nil, 0, 0, "", none, none),
			secret("dotenv", "", envFile, "dotenv", "0600", testUser1, nil, 0, 0, "", []string{"env.service"}, none),
			secret("ini", "", iniFile, "ini", "0640", nil, testGroup, 0, 0, "", none, none),
		}
		if !removed {
			secrets = append(secrets, secret("extra", "other", jsonFile, "json", "0400", nil, nil, 0, 0, filepath.Join(root, "etc/extra"), []string{"extra.service"}, none))
		}
		ph := map[string]string{}
		for _, s := range secrets {
			n := s.(map[string]any)["name"].(string)
			ph[n] = template.SopsPlaceholder(n)
		}
		tpl := func(name, content, file, mode string, owner any, uid int, path string, restart, reload []string) map[string]any {
			if path == "" {
				path = filepath.Join(sym, "rendered", name)
			}
			return map[string]any{"name": name, "content": content, "file": file, "path": path, "mode": mode,
				"owner": owner, "uid": uid, "group": nil, "gid": 0, "restartUnits": restart, "reloadUnits": reload}
		}
		templates := []any{
			tpl("app.conf", "pw="+ph["db-password"]+"\nplain="+ph["nested/deep/plain"]+"\npw-again="+ph["db-password"]+"\n", "", "0400", testUser1, 0, "", []string{"tpl.service", "db.service"}, []string{"tpl-reload.service"}),
			tpl("sub/from-file", "", tplFile, "0440", nil, testUID2, filepath.Join(root, "etc/app/from-file"), none, []string{"file.service"}),
		}
		common := func(mnt, link string) map[string]any {
			return map[string]any{
				"placeholderBySecretName": ph,
				"secretsMountPoint":       filepath.Join(root, mnt), "symlinkPath": filepath.Join(root, link), "keepGenerations": 2,
				"sshKeyPaths": []string{}, "gnupgHome": "", "ageKeyFile": keyFile, "ageSshKeyPaths": []string{},
				"useTmpfs": false, "userMode": false, "logging": map[string]any{"keyImport": true, "secretChanges": true},
			}
		}
		sysMan := common("run/secrets.d", "run/secrets")
		sysMan["secrets"], sysMan["templates"] = secrets, templates
		usersMan := common("run/secrets-for-users.d", "run/secrets-for-users")
		usersMan["secrets"] = []any{
			// -ignore-passwd: whatever owner is named, both make it root's.
			secret("alice-pw", "users/pw", yamlFile, "yaml", "0400", testUser1, nil, 0, 0, filepath.Join(root, "run/secrets-for-users/alice-pw"), []string{"users.service"}, none),
		}
		usersMan["templates"] = []any{}
		usersMan["placeholderBySecretName"] = map[string]string{}
		system, _ = json.Marshal(sysMan)
		users, _ = json.Marshal(usersMan)
		return system, users
	}
	sameManifests := func() {
		s1, u1 := manifests(sisRoot)
		s2, u2 := manifests(hushRoot)
		if !bytes.Equal(bytes.ReplaceAll(s1, []byte(sisRoot), []byte("R")), bytes.ReplaceAll(s2, []byte(hushRoot), []byte("R"))) ||
			!bytes.Equal(bytes.ReplaceAll(u1, []byte(sisRoot), []byte("R")), bytes.ReplaceAll(u2, []byte(hushRoot), []byte("R"))) {
			t.Fatal("the two manifests differ in more than their root")
		}
	}

	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "NIXOS_ACTION", "SOPS_RESTART_UNITS_VIA_SYSTEMCTL", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY", "SOPS_AGE_SSH_PRIVATE_KEY_FILE", "GNUPGHOME":
		default:
			env = append(env, kv)
		}
	}
	runSISErr := func(step string, man []byte, flags ...string) ([]byte, error) {
		t.Helper()
		p := filepath.Join(base, "manifest-"+step+".json")
		if err := os.WriteFile(p, man, 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"-m", "--propagation", "unchanged", "sh", "-c",
			`mount -t tmpfs -o mode=0755 none /run && mkdir /run/nixos && mount --bind "$1" /run/nixos && shift && umask 022 && exec "$@"`,
			"sh", sisLists, bin}
		cmd := exec.Command(unshare, append(append(args, flags...), p)...)
		cmd.Env = env
		return cmd.CombinedOutput()
	}
	runSIS := func(step string, man []byte, flags ...string) {
		t.Helper()
		// Its output names secrets and files only (the key import and change lines).
		if out, err := runSISErr(step, man, flags...); err != nil {
			t.Fatalf("%s: sops-install-secrets: %v\n%s", step, err, out)
		}
	}
	runHush := func(step string, man []byte, ignorePasswd bool) *Result {
		t.Helper()
		m, err := manifest.Parse(man, "manifest.json")
		if err != nil {
			t.Fatal(err)
		}
		cfgs, err := FromManifest(m)
		if err != nil || len(cfgs) != 1 {
			t.Fatalf("configs %v %v", cfgs, err)
		}
		res, err := (&Engine{IgnorePasswd: ignorePasswd, NixosRunDir: hushLists}).Install(cfgs[0])
		if err != nil {
			t.Fatalf("%s: hush: %v", step, err)
		}
		return res
	}
	// takeLists returns and removes the lists one run wrote (switch-to-configuration
	// consumes them after each activation too).
	takeLists := func(dir string) map[string][]string {
		t.Helper()
		out := map[string][]string{}
		for _, f := range []string{"activation-restart-list", "activation-reload-list", "dry-activation-restart-list", "dry-activation-reload-list"} {
			data, err := os.ReadFile(filepath.Join(dir, f))
			if err == nil {
				out[f] = strings.Fields(string(data))
				_ = os.Remove(filepath.Join(dir, f))
			}
		}
		return out
	}
	// Documented: hush writes each unit once, sorted; sops-install-secrets appends the units
	// of every changed entry in manifest order, secrets before templates (switch-to-
	// configuration reads the lists as sets).
	compareLists := func(step string) map[string][]string {
		t.Helper()
		ls, lh := takeLists(sisLists), takeLists(hushLists)
		for _, f := range []string{"activation-restart-list", "activation-reload-list", "dry-activation-restart-list", "dry-activation-reload-list"} {
			if want := sortedUnique(append([]string(nil), ls[f]...)); fmt.Sprint(want) != fmt.Sprint(lh[f]) {
				t.Errorf("%s: %s: sops-install-secrets %q (as a set %q), hush %q", step, f, ls[f], want, lh[f])
			}
		}
		return ls
	}
	var sisUnits map[string][]string // what sops-install-secrets' system run of the step asked for
	activate := func(step string) (sis, hush map[string]realNode) {
		t.Helper()
		sameManifests()
		hs, hu := manifests(hushRoot)
		ss, su := manifests(sisRoot)
		// hush first: on a host without the keys group it creates it (NixOS declares
		// it), which sops-install-secrets then finds.
		runHush(step+"-users", hu, true)
		runSIS(step+"-users", su, "-ignore-passwd")
		compareLists(step + "-users")
		runHush(step, hs, false)
		runSIS(step, ss)
		sisUnits = compareLists(step)
		return realTree(t, sisRoot), realTree(t, hushRoot)
	}
	// documented removes what docs/install.md says only one side has, checking it is there:
	// hush's lock files next to the mount points and .hush/ in each generation; the
	// age-keys.txt copy sops-install-secrets writes into each mount point.
	documented := func(step string, sis, hush map[string]realNode) {
		t.Helper()
		// A missing parent of the mount point: 0751 from sops-install-secrets (its
		// MkdirAll of the mount point), 0755 from hush, as for every other parent.
		if a, b := sis["run"], hush["run"]; a.Mode != 0o751 || b.Mode != 0o755 {
			t.Errorf("%s: parent of the mount points: sops-install-secrets %v, hush %v", step, a, b)
		} else {
			a.Mode = b.Mode
			sis["run"] = a
		}
		for _, mnt := range []string{"run/secrets.d", "run/secrets-for-users.d"} {
			lock := filepath.Join(filepath.Dir(mnt), "."+filepath.Base(mnt)+".hush-lock")
			if n, ok := hush[lock]; !ok || n.Kind != "file" || n.Mode != 0o600 {
				t.Errorf("%s: hush lock %s: %v", step, lock, n)
			}
			delete(hush, lock)
			ak := filepath.Join(mnt, "age-keys.txt")
			if n, ok := sis[ak]; !ok || n.Kind != "file" || n.Mode != 0o600 || n.UID != 0 {
				t.Errorf("%s: sops-install-secrets' %s: %v", step, ak, n)
			}
			delete(sis, ak)
			for _, g := range generations(hush, mnt) {
				meta := filepath.Join(mnt, g, metaDir)
				if n := hush[meta]; n.Kind != "dir" || n.Mode != 0o700 || n.UID != 0 {
					t.Errorf("%s: hush %s: %v", step, meta, n)
				}
				for k := range hush {
					if k == meta || strings.HasPrefix(k, meta+"/") {
						delete(hush, k)
					}
				}
			}
		}
	}
	compare := func(step string, sis, hush map[string]realNode) {
		t.Helper()
		t.Logf("%s: %d paths compared", step, len(sis))
		if d := diffRealTrees(sis, hush); len(d) > 0 {
			t.Errorf("%s: installed trees differ:\n%s", step, strings.Join(d, "\n"))
		}
	}

	// The users' tree stays unchanged from the second activation on: hush keeps its
	// generation 2 (documented: no new generation without a change), sops-install-secrets
	// makes one every time. Their current generations must be equal.
	usersGens := func(step, sisWant, hushWant string, sis, hush map[string]realNode) (map[string]realNode, map[string]realNode) {
		t.Helper()
		const mnt, link = "run/secrets-for-users.d", "run/secrets-for-users"
		if g := generations(sis, mnt); fmt.Sprint(g) != sisWant {
			t.Errorf("%s: sops-install-secrets' %s generations %v, want %s", step, mnt, g, sisWant)
		}
		if g := generations(hush, mnt); fmt.Sprint(g) != hushWant {
			t.Errorf("%s: hush's %s generations %v, want %s", step, mnt, g, hushWant)
		}
		sis, _ = currentOnly(t, sis, mnt, link)
		hush, _ = currentOnly(t, hush, mnt, link)
		return sis, hush
	}

	// 1. First activation: no lists (no previous symlink).
	sis, hush := activate("first")
	documented("first", sis, hush)
	for _, p := range []string{"db-password", "nested/deep/plain", "whole-yaml", "token", "whole-json", "blob", "dotenv", "ini", "extra",
		"rendered/app.conf", "rendered/sub/from-file"} {
		if n := sis[filepath.Join("run/secrets.d/1", p)]; n.Kind != "file" || n.Size == 0 {
			t.Errorf("first: sops-install-secrets did not install %s: %v", p, n)
		}
	}
	for _, p := range []string{"etc/app/token", "etc/app/from-file", "etc/extra", "run/secrets", "run/secrets-for-users"} {
		if sis[p].Kind != "link" {
			t.Errorf("first: sops-install-secrets made no link %s", p)
		}
	}
	compare("first", sis, hush)
	if g := generations(hush, "run/secrets.d"); fmt.Sprint(g) != "[1]" {
		t.Errorf("first: generations %v", g)
	}
	if len(sisUnits) != 0 {
		t.Errorf("first: sops-install-secrets wrote lists on first activation: %v", sisUnits)
	}

	// 2. One source file changes: its secrets, the template using them and the users'
	// secret restart/reload their units.
	write("s.yaml", sopsEncrypt(t, sops, rec, "yaml", bytes.Replace(bytes.Replace(yamlPlain, []byte("yaml-secret-1"), []byte("yaml-secret-1b"), 1), []byte("hashed-1"), []byte("hashed-2"), 1)))
	sis, hush = activate("changed")
	documented("changed", sis, hush)
	compare("changed", sis, hush)
	if got := fmt.Sprint(sisUnits["activation-restart-list"]); got != "[db.service tpl.service db.service]" {
		t.Errorf("changed: sops-install-secrets' restart list %s, want each changed entry's units in manifest order", got)
	}

	// 3. The json file changes and the secret "extra" (custom path etc/extra) is removed.
	// Documented: hush removes the custom link no longer wanted; sops-install-secrets
	// leaves it dangling. Generation 1 is pruned by both (keepGenerations 2).
	write("s.json", sopsEncrypt(t, sops, rec, "json", bytes.Replace(jsonPlain, []byte("json-secret-3"), []byte("json-secret-3b"), 1)))
	removed = true
	sis, hush = activate("removed")
	documented("removed", sis, hush)
	if n, ok := sis["etc/extra"]; !ok || n.Link != "<root>/run/secrets/extra" {
		t.Errorf("removed: sops-install-secrets' stale custom link etc/extra: %v", n)
	}
	if _, ok := hush["etc/extra"]; ok {
		t.Error("removed: hush kept the custom link of a removed secret")
	}
	delete(sis, "etc/extra")
	if g := generations(hush, "run/secrets.d"); fmt.Sprint(g) != "[2 3]" {
		t.Errorf("removed: generations %v, want [2 3]", g)
	}
	sis, hush = usersGens("removed", "[2 3]", "[1 2]", sis, hush)
	compare("removed", sis, hush)

	// 4. Nothing changes. Documented: hush creates no new generation; sops-install-secrets
	// makes generation 4 (and prunes 2). Both request nothing. The current generations and
	// everything outside the mount points are equal.
	sis, hush = activate("unchanged")
	documented("unchanged", sis, hush)
	delete(sis, "etc/extra") // still dangling, as above
	if len(sisUnits) != 0 {
		t.Errorf("unchanged: sops-install-secrets asked for units: %v", sisUnits)
	}
	sis, hush = usersGens("unchanged", "[3 4]", "[1 2]", sis, hush)
	if g := generations(sis, "run/secrets.d"); fmt.Sprint(g) != "[3 4]" {
		t.Errorf("unchanged: sops-install-secrets' generations %v, want [3 4]", g)
	}
	if g := generations(hush, "run/secrets.d"); fmt.Sprint(g) != "[2 3]" {
		t.Errorf("unchanged: hush's generations %v, want [2 3] (no new one)", g)
	}
	sis, _ = currentOnly(t, sis, "run/secrets.d", "run/secrets")
	hush, _ = currentOnly(t, hush, "run/secrets.d", "run/secrets")
	compare("unchanged", sis, hush)

	// 5. Documented: values sops-install-secrets refuses (stopping the whole run) and hush
	// installs: a nested key in a JSON file, a number. Each on its own roots.
	numFile := write("n.yaml", sopsEncrypt(t, sops, rec, "yaml", []byte("port: 5432\n")))
	for _, c := range []struct{ name, key, file, format, want, sisErr string }{
		{"json-nested", "api/nested", jsonFile, "json", "json-5", "does not refer to a dictionary"},
		{"number", "port", numFile, "yaml", "5432", "is not a string"},
	} {
		manOf := func(root string) []byte {
			b, _ := json.Marshal(map[string]any{
				"secrets": []any{map[string]any{"name": c.name, "key": c.key, "path": filepath.Join(root, "run/secrets", c.name),
					"owner": nil, "uid": 0, "group": nil, "gid": 0, "sopsFile": c.file, "format": c.format, "mode": "0400",
					"restartUnits": []string{}, "reloadUnits": []string{}}},
				"templates": []any{}, "placeholderBySecretName": map[string]string{},
				"secretsMountPoint": filepath.Join(root, "run/secrets.d"), "symlinkPath": filepath.Join(root, "run/secrets"), "keepGenerations": 1,
				"sshKeyPaths": []string{}, "gnupgHome": "", "ageKeyFile": keyFile, "ageSshKeyPaths": []string{},
				"useTmpfs": false, "userMode": false, "logging": map[string]any{"keyImport": false, "secretChanges": false},
			})
			return b
		}
		sr, hr := filepath.Join(sisRoot, c.name), filepath.Join(hushRoot, c.name)
		t.Cleanup(func() { unmountAll(filepath.Join(hr, "run/secrets.d")) })
		if out, err := runSISErr(c.name, manOf(sr), "-ignore-passwd"); err == nil || !bytes.Contains(out, []byte(c.sisErr)) {
			t.Errorf("%s: sops-install-secrets: %v, want an error %q:\n%s", c.name, err, c.sisErr, out)
		}
		if _, err := os.Lstat(filepath.Join(sr, "run/secrets")); err == nil {
			t.Errorf("%s: sops-install-secrets installed a generation", c.name)
		}
		runHush(c.name, manOf(hr), true)
		got, err := os.ReadFile(filepath.Join(hr, "run/secrets", c.name))
		if err != nil || !bytes.Equal(got, []byte(c.want)) {
			t.Errorf("%s: hush installed %d bytes (%v), want %d", c.name, len(got), err, len(c.want))
		}
	}
}
