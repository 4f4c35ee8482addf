package install

import (
	"fmt"
	"os/exec"
	"os/user"
	"strconv"
)

// Accounts resolves user and group names. The engine takes it as a value so tests can run
// against a private /etc (bind-mounted in a mount namespace) or a fake.
type Accounts interface {
	UserID(name string) (int, error)
	GroupID(name string) (int, error)
	// KeysGroup returns the gid of group "keys", creating it when absent (NixOS declares
	// it; on other systems the first install creates it).
	KeysGroup() (int, error)
}

// SystemAccounts reads the system's user database (os/user: NSS or /etc/passwd).
type SystemAccounts struct{}

func (SystemAccounts) UserID(name string) (int, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, fmt.Errorf("user %q: %w", name, err)
	}
	return strconv.Atoi(u.Uid)
}

func (SystemAccounts) GroupID(name string) (int, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("group %q: %w", name, err)
	}
	return strconv.Atoi(g.Gid)
}

// KeysGroup looks up "keys" and, when it is missing, creates it with `groupadd --system
// keys`. Creating it through groupadd rather than by appending to /etc/group ourselves is
// deliberate: groupadd takes the shadow-utils locks (/etc/group.lock, /etc/gshadow.lock),
// keeps /etc/gshadow in step and picks a free system gid; re-implementing that locking is
// how user databases get corrupted. Without groupadd the error says what to do.
func (a SystemAccounts) KeysGroup() (int, error) {
	if gid, err := a.GroupID("keys"); err == nil {
		return gid, nil
	}
	path, err := exec.LookPath("groupadd")
	if err != nil {
		return 0, fmt.Errorf(`group "keys" does not exist and groupadd is not available: create it (e.g. "groupadd --system keys") or use -ignore-passwd`)
	}
	if out, err := exec.Command(path, "--system", "keys").CombinedOutput(); err != nil {
		return 0, fmt.Errorf("creating group keys: %v: %s", err, out)
	}
	return a.GroupID("keys")
}

// resolveOwner turns an Owner into a numeric id: a name is looked up, else the id is used.
func resolveOwner(o Owner, lookup func(string) (int, error)) (int, error) {
	if o.Name == "" {
		if o.ID < 0 {
			return 0, fmt.Errorf("negative id %d", o.ID)
		}
		return o.ID, nil
	}
	if id, err := strconv.Atoi(o.Name); err == nil && id >= 0 {
		return id, nil // numeric ids are allowed where a name is expected
	}
	return lookup(o.Name)
}
