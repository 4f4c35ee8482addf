package sopsfile

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
)

// The "sops" section, read and written the way sops v3.13.3 does (stores/metadata.go,
// stores/stores.go). Facts that matter for byte-identical output:
//
//   - sops converts its metadata struct to a map and sorts every mapping by key, so the
//     section is in alphabetical order: age, azure_kv, encrypted_*, gcp_kms, hc_vault, hckms,
//     key_groups, kms, lastmodified, mac, mac_only_encrypted, pgp, shamir_threshold,
//     unencrypted_*, version; entries likewise (age: enc, recipient; pgp: created_at, enc, fp).
//   - lastmodified, mac and version are always written; the other fields only when set.
//   - One key group is written as top-level lists; several as key_groups, where every group
//     always has "age" and "hc_vault" lists (empty ones too) and the other kinds only when set.
//   - When a file names none of the six suffix/regex options, sops reads it as
//     unencrypted_suffix: _unencrypted, and writes that back.
//   - Reading is weakly typed (mapstructure WeaklyTypedInput): the flat stores (dotenv, ini)
//     hand every value over as a string, so "2" is a valid shamir_threshold and "true" a valid
//     mac_only_encrypted. Unknown fields are ignored.

// DefaultUnencryptedSuffix is what sops applies when a file sets no suffix/regex option.
const DefaultUnencryptedSuffix = "_unencrypted"

// SopsVersion is the version hush writes into new files: the sops release whose format hush
// implements, so that sops treats the files as its own.
const SopsVersion = "3.13.3"

// otherKeyKinds are the master key lists hush reads and keeps but cannot use.
var otherKeyKinds = []string{"kms", "gcp_kms", "hckms", "azure_kv", "hc_vault"}

func isOtherKind(k string) bool {
	for _, o := range otherKeyKinds {
		if o == k {
			return true
		}
	}
	return false
}

// metaError is a problem with one metadata field.
func metaError(field string, format string, args ...any) error {
	return fmt.Errorf("sops metadata: %s: %s", field, fmt.Sprintf(format, args...))
}

// ParseMetadata reads the value of the "sops" key.
func ParseMetadata(b Branch) (Metadata, error) {
	var m Metadata
	var top KeyGroup
	var groups []KeyGroup
	for _, it := range b {
		key, ok := it.Key.(string)
		if !ok {
			continue // comments
		}
		var err error
		switch key {
		case "age":
			top.Age, err = parseAgeKeys("age", it.Value)
		case "pgp":
			top.PGP, err = parsePGPKeys("pgp", it.Value)
		case "kms", "gcp_kms", "hckms", "azure_kv", "hc_vault":
			var o []OtherKey
			o, err = parseOtherKeys(key, key, it.Value)
			top.Other = append(top.Other, o...)
		case "key_groups":
			groups, err = parseKeyGroups(it.Value)
		case "shamir_threshold":
			m.ShamirThreshold, err = weakInt(key, it.Value)
		case "lastmodified":
			m.LastModified, err = weakString(key, it.Value)
		case "mac":
			m.MAC, err = weakString(key, it.Value)
		case "unencrypted_suffix":
			m.UnencryptedSuffix, err = weakString(key, it.Value)
		case "encrypted_suffix":
			m.EncryptedSuffix, err = weakString(key, it.Value)
		case "unencrypted_regex":
			m.UnencryptedRegex, err = weakString(key, it.Value)
		case "encrypted_regex":
			m.EncryptedRegex, err = weakString(key, it.Value)
		case "unencrypted_comment_regex":
			m.UnencryptedCommentRegex, err = weakString(key, it.Value)
		case "encrypted_comment_regex":
			m.EncryptedCommentRegex, err = weakString(key, it.Value)
		case "mac_only_encrypted":
			m.MACOnlyEncrypted, err = weakBool(key, it.Value)
		case "version":
			m.Version, err = weakString(key, it.Value)
		}
		if err != nil {
			return Metadata{}, err
		}
	}
	if _, err := macAdditionalData(m.LastModified); err != nil {
		return Metadata{}, metaError("lastmodified", "%v", err)
	}
	if len(top.Age)+len(top.PGP)+len(top.Other) > 0 {
		// Top-level lists win over key_groups, as in sops.
		m.KeyGroups = []KeyGroup{top}
	} else if len(groups) > 0 {
		m.KeyGroups = groups
		m.UsesKeyGroups = true
	} else {
		return Metadata{}, errors.New("sops metadata: no master keys (age, pgp, kms, ...) found")
	}
	n := 0
	for _, s := range []string{m.UnencryptedSuffix, m.EncryptedSuffix, m.UnencryptedRegex, m.EncryptedRegex, m.UnencryptedCommentRegex, m.EncryptedCommentRegex} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return Metadata{}, errors.New("sops metadata: more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, unencrypted_comment_regex is set")
	}
	if n == 0 {
		m.UnencryptedSuffix = DefaultUnencryptedSuffix
		m.suffixDefaulted = true
	}
	return m, nil
}

// asList accepts a list, or a single mapping where a list is expected (weak typing).
func asList(field string, v any) ([]any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return v, nil
	case Branch:
		return []any{v}, nil
	}
	return nil, metaError(field, "want a list, found %s", typeName(v))
}

func asEntries(field string, v any) ([]Branch, error) {
	l, err := asList(field, v)
	if err != nil {
		return nil, err
	}
	var out []Branch
	for i, e := range l {
		switch e := e.(type) {
		case Comment:
			continue
		case Branch:
			out = append(out, e)
		default:
			return nil, metaError(fmt.Sprintf("%s[%d]", field, i), "want a mapping, found %s", typeName(e))
		}
	}
	return out, nil
}

// parseKeyEntries reads a list of master key entries whose fields are all strings: fields
// maps an entry's key names to the string each fills in (unknown names are ignored).
func parseKeyEntries[T any](field string, v any, fields func(*T) map[string]*string) ([]T, error) {
	entries, err := asEntries(field, v)
	if err != nil {
		return nil, err
	}
	var out []T
	for i, e := range entries {
		var k T
		want := fields(&k)
		for _, it := range e {
			name, _ := it.Key.(string)
			dst, ok := want[name]
			if !ok {
				continue
			}
			if *dst, err = weakString(fmt.Sprintf("%s[%d].%s", field, i, name), it.Value); err != nil {
				return nil, err
			}
		}
		out = append(out, k)
	}
	return out, nil
}

func parseAgeKeys(field string, v any) ([]AgeKey, error) {
	return parseKeyEntries(field, v, func(k *AgeKey) map[string]*string {
		return map[string]*string{"recipient": &k.Recipient, "enc": &k.Enc}
	})
}

func parsePGPKeys(field string, v any) ([]PGPKey, error) {
	return parseKeyEntries(field, v, func(k *PGPKey) map[string]*string {
		return map[string]*string{"fp": &k.Fingerprint, "created_at": &k.CreatedAt, "enc": &k.Enc}
	})
}

func parseOtherKeys(field, kind string, v any) ([]OtherKey, error) {
	entries, err := asEntries(field, v)
	if err != nil {
		return nil, err
	}
	out := make([]OtherKey, 0, len(entries))
	for _, e := range entries {
		out = append(out, OtherKey{Kind: kind, Fields: e})
	}
	return out, nil
}

func parseKeyGroups(v any) ([]KeyGroup, error) {
	entries, err := asEntries("key_groups", v)
	if err != nil {
		return nil, err
	}
	var out []KeyGroup
	for i, e := range entries {
		var g KeyGroup
		f := fmt.Sprintf("key_groups[%d]", i)
		for _, it := range e {
			key, _ := it.Key.(string)
			switch {
			case key == "age":
				g.Age, err = parseAgeKeys(f+".age", it.Value)
			case key == "pgp":
				g.PGP, err = parsePGPKeys(f+".pgp", it.Value)
			case isOtherKind(key):
				var o []OtherKey
				o, err = parseOtherKeys(f+"."+key, key, it.Value)
				g.Other = append(g.Other, o...)
			}
			if err != nil {
				return nil, err
			}
		}
		out = append(out, g)
	}
	return out, nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case Branch:
		return "a mapping"
	case []any:
		return "a list"
	case bool:
		return "a boolean"
	case int, float64:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

func weakString(field string, v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		if v {
			return "1", nil
		}
		return "0", nil
	case time.Time:
		// An unquoted timestamp in hand-edited YAML (sops always quotes lastmodified).
		return v.Format(time.RFC3339Nano), nil
	}
	return "", metaError(field, "want a string, found %s", typeName(v))
}

func weakInt(field string, v any) (int, error) {
	switch v := v.(type) {
	case nil:
		return 0, nil
	case int:
		return v, nil
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > 1<<31 {
			return 0, metaError(field, "want an integer")
		}
		return int(v), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case string:
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 0, 32)
		if err != nil {
			return 0, metaError(field, "want an integer")
		}
		return int(n), nil
	}
	return 0, metaError(field, "want an integer, found %s", typeName(v))
}

func weakBool(field string, v any) (bool, error) {
	switch v := v.(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case int:
		return v != 0, nil
	case float64:
		return v != 0, nil
	case string:
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, metaError(field, "want true or false")
		}
		return b, nil
	}
	return false, metaError(field, "want a boolean, found %s", typeName(v))
}

// ToBranch returns the "sops" section for m, as sops v3.13.3 writes it.
func (m *Metadata) ToBranch() (Branch, error) {
	if len(m.KeyGroups) == 0 {
		return nil, errors.New("sops metadata: no key groups")
	}
	var b Branch
	add := func(k string, v any) { b = append(b, Item{Key: k, Value: v}) }
	addStr := func(k, v string) {
		if v != "" {
			add(k, v)
		}
	}
	if len(m.KeyGroups) == 1 {
		for _, kv := range groupLists(m.KeyGroups[0], false) {
			add(kv.Key.(string), kv.Value)
		}
	} else {
		groups := make([]any, 0, len(m.KeyGroups))
		for _, g := range m.KeyGroups {
			groups = append(groups, sortBranch(groupLists(g, true)))
		}
		add("key_groups", groups)
	}
	add("lastmodified", m.LastModified)
	add("mac", m.MAC)
	if m.MACOnlyEncrypted {
		add("mac_only_encrypted", true)
	}
	if m.ShamirThreshold != 0 {
		add("shamir_threshold", m.ShamirThreshold)
	}
	if !(m.suffixDefaulted && m.UnencryptedSuffix == DefaultUnencryptedSuffix) {
		addStr("unencrypted_suffix", m.UnencryptedSuffix)
	}
	addStr("encrypted_suffix", m.EncryptedSuffix)
	addStr("unencrypted_regex", m.UnencryptedRegex)
	addStr("encrypted_regex", m.EncryptedRegex)
	addStr("unencrypted_comment_regex", m.UnencryptedCommentRegex)
	addStr("encrypted_comment_regex", m.EncryptedCommentRegex)
	add("version", m.Version)
	return sortBranch(b), nil
}

func sortBranch(b Branch) Branch {
	sort.SliceStable(b, func(i, j int) bool { return b[i].Key.(string) < b[j].Key.(string) })
	return b
}

// groupLists is one group's key lists. inGroup: the form inside key_groups, where sops
// always writes "age" and "hc_vault".
func groupLists(g KeyGroup, inGroup bool) Branch {
	var b Branch
	if len(g.Age) > 0 || inGroup {
		l := make([]any, 0, len(g.Age))
		for _, k := range g.Age {
			l = append(l, Branch{{Key: "enc", Value: k.Enc}, {Key: "recipient", Value: k.Recipient}})
		}
		b = append(b, Item{Key: "age", Value: l})
	}
	if len(g.PGP) > 0 {
		l := make([]any, 0, len(g.PGP))
		for _, k := range g.PGP {
			l = append(l, Branch{{Key: "created_at", Value: k.CreatedAt}, {Key: "enc", Value: k.Enc}, {Key: "fp", Value: k.Fingerprint}})
		}
		b = append(b, Item{Key: "pgp", Value: l})
	}
	for _, kind := range otherKeyKinds {
		var l []any
		for _, o := range g.Other {
			if o.Kind == kind {
				l = append(l, o.Fields)
			}
		}
		if len(l) > 0 || (inGroup && kind == "hc_vault") {
			if l == nil {
				l = []any{}
			}
			b = append(b, Item{Key: kind, Value: l})
		}
	}
	return b
}
