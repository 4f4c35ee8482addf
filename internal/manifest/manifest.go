package manifest

import "github.com/hush-nix/hush/internal/template"

// The Go types of manifest v1. They are the contract with internal/install: keep them stable;
// docs/manifest.schema.json describes the same shape and schema_test.go checks the two agree.
//
// After Parse/Load every value below is resolved: defaults are filled in, names and paths are
// validated, so the engine never has to apply a default itself. Fields tagged json:"-" are
// derived by Parse and are not part of the file format.

// Version is the only hush manifest version this package reads.
const Version = 1

// Defaults of manifest v1.
const (
	DefaultMountPoint      = "/run/secrets.d"
	DefaultSymlink         = "/run/secrets"
	DefaultUsersMountPoint = "/run/secrets-for-users.d"
	DefaultUsersSymlink    = "/run/secrets-for-users"
	DefaultKeepGenerations = 1
	DefaultMode            = "0400"
	// RenderedSubdir is the directory of a generation holding rendered templates, as in
	// sops-nix (/run/secrets/rendered/NAME).
	RenderedSubdir = "rendered"
)

// Origin says which file format a Manifest was read from.
type Origin string

const (
	// OriginHush is hush's own manifest v1 ({"version": 1, ...}).
	OriginHush Origin = "hush"
	// OriginSopsNix is sops-nix's manifest.json, converted. The engine follows sops-nix's
	// semantics for it where they differ (see docs/manifest.md, "sops-nix compatibility").
	OriginSopsNix Origin = "sops-nix"
)

// Manifest is a whole install manifest.
type Manifest struct {
	// Version is 1. Required in hush's format.
	Version int `json:"version"`
	// Secrets are installed as files NAME under the generation directory.
	Secrets []Secret `json:"secrets,omitempty"`
	// Templates are rendered with secret values into files under rendered/NAME.
	Templates []Template `json:"templates,omitempty"`
	// Identities say which private keys decrypt the sources.
	Identities Identities `json:"identities,omitempty"`
	// MountPoint is where generations live (RAM filesystem). Default /run/secrets.d.
	MountPoint string `json:"mountPoint,omitempty"`
	// Symlink is the stable path pointing at the current generation. Default /run/secrets.
	Symlink string `json:"symlink,omitempty"`
	// UsersMountPoint and UsersSymlink are the roots of phase "users" secrets. Defaults
	// /run/secrets-for-users.d and /run/secrets-for-users. For a sops-nix manifest they equal
	// MountPoint and Symlink (sops-nix writes one manifest per phase).
	UsersMountPoint string `json:"usersMountPoint,omitempty"`
	UsersSymlink    string `json:"usersSymlink,omitempty"`
	// KeepGenerations is how many generations to keep, the current one included; 0 disables
	// pruning (as in sops-nix). Default 1.
	KeepGenerations int `json:"keepGenerations,omitempty"`
	// UseTmpfs mounts tmpfs (with noswap where supported) instead of ramfs.
	UseTmpfs bool `json:"useTmpfs,omitempty"`
	// FailurePolicy is what happens when some secrets fail. Default keep-going.
	FailurePolicy FailurePolicy `json:"failurePolicy,omitempty"`
	// UserMode installs without mounting or chown, for one unprivileged user; paths may use
	// %r for $XDG_RUNTIME_DIR (see ExpandUserPaths).
	UserMode bool `json:"userMode,omitempty"`
	// HostRecipients are this host's public age recipients (age1..., ssh-ed25519 ...);
	// when set, install --check verifies that every source is encrypted to one of them.
	HostRecipients []string `json:"hostRecipients,omitempty"`
	// Placeholders maps a secret name to an extra literal placeholder string that templates
	// may use for it (sops-nix's placeholderBySecretName). Templates always accept
	// <hush:NAME> and sops-nix's default <SOPS:sha256(NAME):PLACEHOLDER> as well.
	Placeholders map[string]string `json:"placeholders,omitempty"`
	// Logging says what the installer logs (sops-nix's logging). Default: both on.
	Logging *Logging `json:"logging,omitempty"`

	// Origin is the format the manifest was read from.
	Origin Origin `json:"-"`
	// File is the path the manifest was read from (for error messages).
	File string `json:"-"`

	renderer *template.Renderer // built by Parse; see Renderer
	byName   map[string]int     // secret name -> index, built on first use
	expanded bool               // ExpandUserPaths has run
}

// Logging selects informational log lines. Never secret values.
type Logging struct {
	// KeyImport logs which identities were loaded (public parts only).
	KeyImport bool `json:"keyImport"`
	// SecretChanges logs added/changed/removed secret names.
	SecretChanges bool `json:"secretChanges"`
}

// FailurePolicy decides what a failure of some secrets does to the others.
type FailurePolicy string

const (
	// KeepGoing installs every secret that can be installed; a failed one keeps its last
	// good value when the previous generation had it (reported stale), else is absent.
	KeepGoing FailurePolicy = "keep-going"
	// Strict changes nothing when any secret fails.
	Strict FailurePolicy = "strict"
)

// Phase says when a secret is installed.
type Phase string

const (
	// PhaseSystem is the normal activation, after users and groups exist.
	PhaseSystem Phase = "system"
	// PhaseUsers is before users and groups exist (e.g. hashedPasswordFile); such secrets
	// are owned by root and live under UsersSymlink (sops-nix's neededForUsers).
	PhaseUsers Phase = "users"
)

// Identities say where the private keys are. Paths are read at install time only.
type Identities struct {
	// AgeKeyFile holds age identities (AGE-SECRET-KEY-1..., AGE-PLUGIN-...).
	AgeKeyFile string `json:"ageKeyFile,omitempty"`
	// SSHKeyPaths are SSH private keys (ed25519, RSA) used as age identities, e.g. the host
	// keys. sops-nix calls this ageSshKeyPaths.
	SSHKeyPaths []string `json:"sshKeyPaths,omitempty"`
	// GnupgHome enables OpenPGP decryption through gpg with this home.
	GnupgHome string `json:"gnupgHome,omitempty"`
	// GnupgSSHKeyPaths are SSH RSA private keys imported as OpenPGP keys. sops-nix calls this
	// sshKeyPaths (sops.gnupg.sshKeyPaths).
	GnupgSSHKeyPaths []string `json:"gnupgSshKeyPaths,omitempty"`
	// Plugins are absolute paths of age-plugin-* executables, or directories holding them,
	// searched before $PATH.
	Plugins []string `json:"plugins,omitempty"`
}

// FileAttrs are the attributes of an installed file, shared by secrets and templates.
type FileAttrs struct {
	// Path is where the file is visible. For a secret the default is <symlink>/NAME, for a
	// template <symlink>/rendered/NAME; any other path gets a symlink to the generation.
	Path string `json:"path,omitempty"`
	// Owner is a user name; UID a numeric id. At most one is set; neither means root.
	Owner string `json:"owner,omitempty"`
	UID   *int   `json:"uid,omitempty"`
	// Group is a group name; GID a numeric id. At most one is set; neither means gid 0
	// (sops-nix's installer does the same; its Nix module fills in the owner's group).
	Group string `json:"group,omitempty"`
	GID   *int   `json:"gid,omitempty"`
	// Mode is the octal permission string, e.g. "0400" (the default). No setuid/setgid/
	// sticky bits.
	Mode string `json:"mode,omitempty"`
	// RestartUnits and ReloadUnits are systemd units to restart/reload when the file changes.
	RestartUnits []string `json:"restartUnits,omitempty"`
	ReloadUnits  []string `json:"reloadUnits,omitempty"`

	// Link is the custom path to symlink to the file in the generation, or "" when Path is
	// the default location under the symlink (derived by Parse).
	Link string `json:"-"`
}

// Secret is one secret file.
type Secret struct {
	// Name is the file name under the generation; it may contain '/' to make
	// subdirectories (as in sops-nix), never "." or ".." components.
	Name string `json:"name"`
	// Source says where the value comes from: exactly one of its fields is set.
	Source Source `json:"source"`
	FileAttrs
	// Phase is "system" (default) or "users".
	Phase Phase `json:"phase,omitempty"`
}

// Source is where a secret's value comes from. Exactly one field is set. (A vault source
// will be added later as another field.)
type Source struct {
	Sops *SopsSource `json:"sops,omitempty"`
	Age  *AgeSource  `json:"age,omitempty"`
	File *FileSource `json:"file,omitempty"`
}

// Format is the sops store of a source file; the values are sopsfile.Format's.
type Format string

const (
	FormatYAML   Format = "yaml"
	FormatJSON   Format = "json"
	FormatDotenv Format = "dotenv"
	FormatINI    Format = "ini"
	FormatBinary Format = "binary"
)

// SopsSource is a value (or the whole plaintext) of a sops-encrypted file.
type SopsSource struct {
	// File is the encrypted file (usually in the Nix store).
	File string `json:"file"`
	// Key selects the value: "" is the whole decrypted file; "a/b" walks nested maps by
	// name (sops-nix's form); `["a"]["b"][0]` is sops' --extract form (list indices
	// allowed, any character in keys). See KeyPath.
	Key string `json:"key"`
	// Format is the file's store. Default yaml (as sops-nix).
	Format Format `json:"format,omitempty"`
}

// AgeSource is a whole file encrypted with age (agenix style).
type AgeSource struct {
	File string `json:"file"`
}

// FileSource is a plain file readable only by root (e.g. /root/secrets/x), copied into the
// generation with controlled owner and mode.
type FileSource struct {
	Path string `json:"path"`
}

// Template is a file rendered from content with placeholders for secret values.
type Template struct {
	// Name is the file name under rendered/ in the generation.
	Name string `json:"name"`
	// Content is the template text; File a path to read it from at install time. After
	// Parse, File is "" exactly when Content is the template (sops-nix writes both; a
	// non-empty content wins there, and Parse then clears File).
	Content string `json:"content,omitempty"`
	File    string `json:"file,omitempty"`
	FileAttrs

	// Refs are the names of the secrets the template references, sorted, unique (derived
	// by Parse from Content; nil when the template comes from File, whose refs are known
	// only once it is read).
	Refs []string `json:"-"`
}
