package rules

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is a parsed .sops.yaml.
type Config struct {
	// Path is the file the configuration came from; every error names it.
	Path string
	// Rules are the creation rules in file order. nil when the file has no creation_rules
	// key, which sops treats as "no configuration".
	Rules  []Rule
	Stores Stores
}

// Stores is the stores section: output formatting options.
type Stores struct {
	// YAMLIndent is stores.yaml.indent; 0 means the default (4).
	YAMLIndent int
	// JSONIndent and JSONBinaryIndent are stores.json.indent and stores.json_binary.indent;
	// -1 (the default) means sops' default layout, 0 means no indentation.
	JSONIndent       int
	JSONBinaryIndent int
}

// Rule is one creation rule as written. It is only interpreted (recipients parsed, options
// checked) when it is the rule chosen for a file, as sops does: an error in a later rule
// does not stop an earlier one from working.
type Rule struct {
	Index     int // position in creation_rules, from 0
	Line      int // line in the file, for error messages
	PathRegex string

	Age, PGP  keyField
	KeyGroups []keyGroup

	ShamirThreshold         int
	UnencryptedSuffix       string
	EncryptedSuffix         string
	UnencryptedRegex        string
	EncryptedRegex          string
	UnencryptedCommentRegex string
	EncryptedCommentRegex   string
	MACOnlyEncrypted        bool

	// unsupported lists the master key kinds set in this rule that hush cannot encrypt to.
	unsupported []string
}

// keyField is a recipient list written either as a comma-separated string or as a YAML list
// of strings (sops accepts both for age, pgp, kms, ...).
type keyField struct {
	set     bool
	isList  bool
	str     string
	list    []string
	typeErr string // non-empty when the value is neither a string nor a list of strings
}

type keyGroup struct {
	Line        int
	Age         []string
	PGP         []string
	Merge       []keyGroup
	unsupported []string
}

// rawRule and rawGroup mirror the YAML; the interpreted forms above are filled from them.
type rawRule struct {
	PathRegex               string      `yaml:"path_regex"`
	Age                     yaml.Node   `yaml:"age"`
	PGP                     yaml.Node   `yaml:"pgp"`
	KMS                     yaml.Node   `yaml:"kms"`
	GCPKMS                  yaml.Node   `yaml:"gcp_kms"`
	AzureKeyVault           yaml.Node   `yaml:"azure_keyvault"`
	VaultURI                yaml.Node   `yaml:"hc_vault_transit_uri"`
	HCKms                   []string    `yaml:"hckms"`
	AwsProfile              string      `yaml:"aws_profile"`
	KeyGroups               []yaml.Node `yaml:"key_groups"`
	ShamirThreshold         int         `yaml:"shamir_threshold"`
	UnencryptedSuffix       string      `yaml:"unencrypted_suffix"`
	EncryptedSuffix         string      `yaml:"encrypted_suffix"`
	UnencryptedRegex        string      `yaml:"unencrypted_regex"`
	EncryptedRegex          string      `yaml:"encrypted_regex"`
	UnencryptedCommentRegex string      `yaml:"unencrypted_comment_regex"`
	EncryptedCommentRegex   string      `yaml:"encrypted_comment_regex"`
	MACOnlyEncrypted        bool        `yaml:"mac_only_encrypted"`
}

type rawGroup struct {
	Merge   []yaml.Node `yaml:"merge"`
	Age     []string    `yaml:"age"`
	PGP     []string    `yaml:"pgp"`
	KMS     []yaml.Node `yaml:"kms"`
	GCPKMS  []yaml.Node `yaml:"gcp_kms"`
	HCKms   []yaml.Node `yaml:"hckms"`
	AzureKV []yaml.Node `yaml:"azure_keyvault"`
	Vault   []string    `yaml:"hc_vault"`
}

type rawStoreIndent struct {
	Indent *int `yaml:"indent"`
}

type rawConfig struct {
	CreationRules *[]yaml.Node `yaml:"creation_rules"`
	Stores        struct {
		YAML       rawStoreIndent `yaml:"yaml"`
		JSON       rawStoreIndent `yaml:"json"`
		JSONBinary rawStoreIndent `yaml:"json_binary"`
	} `yaml:"stores"`
}

// LoadStores reads only the stores section of a .sops.yaml, for commands that need no
// creation rule (decrypt, set, ...): a creation rule hush would refuse does not stop them.
// Like sops, it fails on a file that is not YAML, or whose stores section has wrong types.
func LoadStores(path string) (Stores, error) {
	st := Stores{JSONIndent: -1, JSONBinaryIndent: -1}
	data, err := os.ReadFile(path)
	if err != nil {
		return st, err
	}
	if len(data) > maxConfigSize {
		return st, fmt.Errorf("%s: file too large (%d bytes)", path, len(data))
	}
	var raw struct {
		Stores struct {
			YAML       rawStoreIndent `yaml:"yaml"`
			JSON       rawStoreIndent `yaml:"json"`
			JSONBinary rawStoreIndent `yaml:"json_binary"`
		} `yaml:"stores"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return st, fmt.Errorf("%s: %w", path, cleanYAMLError(err))
	}
	if p := raw.Stores.YAML.Indent; p != nil {
		st.YAMLIndent = *p
	}
	if p := raw.Stores.JSON.Indent; p != nil {
		st.JSONIndent = *p
	}
	if p := raw.Stores.JSONBinary.Indent; p != nil {
		st.JSONBinaryIndent = *p
	}
	return st, nil
}

// maxConfigSize bounds what Parse reads; a .sops.yaml is a few kilobytes.
const maxConfigSize = 4 << 20

// Parse reads a .sops.yaml's bytes. path is used in error messages only.
func Parse(path string, data []byte) (*Config, error) {
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("%s: file too large (%d bytes)", path, len(data))
	}
	var raw rawConfig
	// Like sops, only the first YAML document counts and unknown keys are ignored.
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, cleanYAMLError(err))
	}
	c := &Config{Path: path, Stores: Stores{JSONIndent: -1, JSONBinaryIndent: -1}}
	if p := raw.Stores.YAML.Indent; p != nil {
		c.Stores.YAMLIndent = *p
	}
	if p := raw.Stores.JSON.Indent; p != nil {
		c.Stores.JSONIndent = *p
	}
	if p := raw.Stores.JSONBinary.Indent; p != nil {
		c.Stores.JSONBinaryIndent = *p
	}
	if raw.CreationRules == nil {
		return c, nil
	}
	c.Rules = make([]Rule, 0, len(*raw.CreationRules))
	for i := range *raw.CreationRules {
		n := &(*raw.CreationRules)[i]
		r, err := decodeRule(n)
		if err != nil {
			return nil, fmt.Errorf("%s: creation_rules[%d] (line %d): %w", path, i, n.Line, err)
		}
		r.Index = i
		c.Rules = append(c.Rules, r)
	}
	return c, nil
}

func decodeRule(n *yaml.Node) (Rule, error) {
	var raw rawRule
	if n.Kind != yaml.MappingNode {
		if isNull(n) {
			// "- " with nothing: an empty rule, which matches everything in sops.
			return Rule{Line: n.Line}, nil
		}
		return Rule{}, fmt.Errorf("a creation rule must be a mapping")
	}
	if err := n.Decode(&raw); err != nil {
		return Rule{}, cleanYAMLError(err)
	}
	r := Rule{
		Line:                    n.Line,
		PathRegex:               raw.PathRegex,
		Age:                     decodeKeyField(&raw.Age),
		PGP:                     decodeKeyField(&raw.PGP),
		ShamirThreshold:         raw.ShamirThreshold,
		UnencryptedSuffix:       raw.UnencryptedSuffix,
		EncryptedSuffix:         raw.EncryptedSuffix,
		UnencryptedRegex:        raw.UnencryptedRegex,
		EncryptedRegex:          raw.EncryptedRegex,
		UnencryptedCommentRegex: raw.UnencryptedCommentRegex,
		EncryptedCommentRegex:   raw.EncryptedCommentRegex,
		MACOnlyEncrypted:        raw.MACOnlyEncrypted,
	}
	for _, k := range []struct {
		name string
		n    *yaml.Node
	}{{"kms", &raw.KMS}, {"gcp_kms", &raw.GCPKMS}, {"azure_keyvault", &raw.AzureKeyVault}, {"hc_vault_transit_uri", &raw.VaultURI}} {
		f := decodeKeyField(k.n)
		if f.typeErr != "" {
			return Rule{}, fmt.Errorf("invalid %s key configuration: %s", k.name, f.typeErr)
		}
		if len(f.values()) > 0 {
			r.unsupported = append(r.unsupported, k.name)
		}
	}
	if len(raw.HCKms) > 0 {
		r.unsupported = append(r.unsupported, "hckms")
	}
	for i := range raw.KeyGroups {
		g, err := decodeGroup(&raw.KeyGroups[i], 0)
		if err != nil {
			return Rule{}, fmt.Errorf("key_groups[%d] (line %d): %w", i, raw.KeyGroups[i].Line, err)
		}
		r.KeyGroups = append(r.KeyGroups, g)
	}
	return r, nil
}

// maxMergeDepth bounds nested "merge:" groups so that hostile input cannot recurse deeply.
const maxMergeDepth = 32

func decodeGroup(n *yaml.Node, depth int) (keyGroup, error) {
	if depth > maxMergeDepth {
		return keyGroup{}, fmt.Errorf("merge nested more than %d deep", maxMergeDepth)
	}
	g := keyGroup{Line: n.Line}
	if isNull(n) {
		return g, nil
	}
	var raw rawGroup
	if err := n.Decode(&raw); err != nil {
		return keyGroup{}, cleanYAMLError(err)
	}
	g.Age, g.PGP = raw.Age, raw.PGP
	for _, k := range []struct {
		name string
		set  bool
	}{{"kms", len(raw.KMS) > 0}, {"gcp_kms", len(raw.GCPKMS) > 0}, {"hckms", len(raw.HCKms) > 0},
		{"azure_keyvault", len(raw.AzureKV) > 0}, {"hc_vault", len(raw.Vault) > 0}} {
		if k.set {
			g.unsupported = append(g.unsupported, k.name)
		}
	}
	for i := range raw.Merge {
		sub, err := decodeGroup(&raw.Merge[i], depth+1)
		if err != nil {
			return keyGroup{}, fmt.Errorf("merge[%d]: %w", i, err)
		}
		g.Merge = append(g.Merge, sub)
	}
	return g, nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// decodeKeyField reads a field that sops declares as interface{} "string or []string".
func decodeKeyField(n *yaml.Node) keyField {
	if isNull(n) {
		return keyField{}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag != "!!str" {
			return keyField{set: true, typeErr: fmt.Sprintf("line %d: expected a string or a list of strings, got %s", n.Line, strings.TrimPrefix(n.Tag, "!!"))}
		}
		return keyField{set: true, str: n.Value}
	case yaml.SequenceNode:
		f := keyField{set: true, isList: true}
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode || e.Tag != "!!str" {
				f.typeErr = fmt.Sprintf("line %d: expected a string in the list", e.Line)
				return f
			}
			f.list = append(f.list, e.Value)
		}
		return f
	}
	return keyField{set: true, typeErr: fmt.Sprintf("line %d: expected a string or a list of strings", n.Line)}
}

// values returns the field's entries as sops reads them: a string splits at commas, blanks
// trimmed and empty entries dropped; a list is taken as it is.
func (f keyField) values() []string {
	if f.isList {
		return f.list
	}
	var out []string
	for _, s := range strings.Split(f.str, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// cleanYAMLError drops the decoder's "yaml: " prefix; the caller adds the file name.
func cleanYAMLError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	return errors.New(msg)
}

// compile returns the rule's path regex; sops compiles it only when it gets to the rule.
func (r *Rule) compile() (*regexp.Regexp, error) {
	return regexp.Compile(r.PathRegex)
}
