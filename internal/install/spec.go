package install

import "github.com/hush-nix/hush/internal/template"

// Config is what the engine installs: the manifest after validation, in the engine's own
// terms. Adapters (FromManifest, FromSopsNix) build it; tests build it directly.
type Config struct {
	MountPoint      string // where generations live, a RAM filesystem (e.g. /run/secrets.d)
	Symlink         string // the stable name pointing at the current generation (/run/secrets)
	KeepGenerations int    // 0 keeps every generation (sops-nix semantics)
	UseTmpfs        bool
	UserMode        bool // no mount, no chown; paths under $XDG_RUNTIME_DIR
	Strict          bool // failure policy: strict installs nothing when anything fails

	Identities Identities
	// HostRecipients, when set, are the recipients this host decrypts with: --check fails
	// for a sops or age file not encrypted to any of them.
	HostRecipients []string

	Secrets   []Secret
	Templates []Template
}

// Identities says which keys decrypt; only public parts ever reach the digest or status.
type Identities struct {
	AgeKeyFile  string
	SSHKeyPaths []string
	GnuPGHome   string
}

// SourceKind is where a secret's bytes come from.
type SourceKind string

const (
	SourceSops SourceKind = "sops" // a value (or the whole plaintext) of a sops file
	SourceAge  SourceKind = "age"  // a whole-file age file (agenix style)
	SourceFile SourceKind = "file" // a plain root-only file, copied with controlled permissions
)

// Owner is a user or group by name or by numeric id; a name wins when both are set.
type Owner struct {
	Name string
	ID   int
}

// Attrs are the file attributes shared by secrets and templates.
type Attrs struct {
	// Path is an extra location that becomes a symlink to the installed file; empty, or
	// equal to the file's place under Symlink, means none.
	Path         string
	Owner        Owner
	Group        Owner
	Mode         uint32
	RestartUnits []string
	ReloadUnits  []string
}

// Secret is one installed file taken from a source.
type Secret struct {
	Name   string // relative slash path under the generation (may contain '/')
	Kind   SourceKind
	File   string // source file
	Format string // sops format: yaml, json, dotenv, ini, binary
	// Key is the key path inside a sops file; empty means the whole plaintext.
	Key []any
	Attrs
}

// Template is a file rendered from secrets, installed under rendered/<Name>.
type Template struct {
	Name    string
	Content string
	// File, when Content is empty, is read at install time for the text.
	File string
	// Renderer finds the placeholders (shared by all templates of a manifest).
	Renderer *template.Renderer
	Attrs
}

// RenderedDir is the subdirectory of a generation holding templates (as in sops-nix).
const RenderedDir = "rendered"

// metaDir is the root-only directory of a generation holding status.json.
const metaDir = ".hush"
