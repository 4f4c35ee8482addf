package rules

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hush-nix/hush/internal/keys"
	"github.com/hush-nix/hush/internal/sopsfile"
)

// Result is what a creation rule gives one file.
type Result struct {
	ConfigPath string
	Rule       int // index of the matching rule in creation_rules
	Recipients sopsfile.Recipients
	Encryption sopsfile.EncryptionRules
	Stores     Stores
	// RecipientsErr is set when the rule's master keys include kinds hush cannot encrypt
	// to (kms, ...). Recipients is then unusable, but Encryption still applies: sops takes
	// the options from the rule even when the recipients come from the command line.
	RecipientsErr error
}

// ErrNoRules means the configuration has no creation_rules at all; sops then behaves as if
// there were no configuration file.
var ErrNoRules = errors.New("no creation_rules")

// ErrNoMatch means no creation rule's path_regex matched the file.
var ErrNoMatch = errors.New("no matching creation rule")

// MatchPath is the string a rule's path_regex is matched against, as sops forms it: the
// absolute path of the file, with the configuration file's directory and a separator cut off
// the front when the file lies below it (otherwise the whole absolute path).
func (c *Config) MatchPath(file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	dir, err := filepath.Abs(filepath.Dir(c.Path))
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(abs, dir+string(filepath.Separator)), nil
}

// ForFile picks the first creation rule matching file (a rule without path_regex matches
// everything) and interprets it. Errors name the configuration file and the rule.
func (c *Config) ForFile(file string) (*Result, error) {
	if c.Rules == nil {
		return nil, fmt.Errorf("%s: %w", c.Path, ErrNoRules)
	}
	rel, err := c.MatchPath(file)
	if err != nil {
		return nil, err
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.PathRegex != "" {
			re, err := r.compile()
			if err != nil {
				return nil, fmt.Errorf("%s: creation_rules[%d] (line %d): path_regex: %w", c.Path, i, r.Line, err)
			}
			if !re.MatchString(rel) {
				continue
			}
		}
		res, err := r.interpret()
		if err != nil {
			return nil, fmt.Errorf("%s: creation_rules[%d] (line %d): %w", c.Path, i, r.Line, err)
		}
		if res.RecipientsErr != nil {
			res.RecipientsErr = fmt.Errorf("%s: creation_rules[%d] (line %d): %w", c.Path, i, r.Line, res.RecipientsErr)
		}
		res.ConfigPath, res.Rule, res.Stores = c.Path, i, c.Stores
		return res, nil
	}
	return nil, fmt.Errorf("%s: %w for %s", c.Path, ErrNoMatch, rel)
}

// interpret checks a rule and converts it to recipients and encryption options.
func (r *Rule) interpret() (*Result, error) {
	if err := r.checkOneCryptRule(); err != nil {
		return nil, err
	}
	res := &Result{Encryption: sopsfile.EncryptionRules{
		UnencryptedSuffix:       r.UnencryptedSuffix,
		EncryptedSuffix:         r.EncryptedSuffix,
		UnencryptedRegex:        r.UnencryptedRegex,
		EncryptedRegex:          r.EncryptedRegex,
		UnencryptedCommentRegex: r.UnencryptedCommentRegex,
		EncryptedCommentRegex:   r.EncryptedCommentRegex,
		MACOnlyEncrypted:        r.MACOnlyEncrypted,
	}}
	for _, re := range []struct{ name, v string }{
		{"unencrypted_regex", r.UnencryptedRegex}, {"encrypted_regex", r.EncryptedRegex},
		{"unencrypted_comment_regex", r.UnencryptedCommentRegex}, {"encrypted_comment_regex", r.EncryptedCommentRegex},
	} {
		if _, err := regexp.Compile(re.v); err != nil {
			return nil, fmt.Errorf("%s: %w", re.name, err)
		}
	}
	res.Recipients.ShamirThreshold = r.ShamirThreshold
	if r.ShamirThreshold < 0 {
		return nil, fmt.Errorf("shamir_threshold %d is negative", r.ShamirThreshold)
	}
	if len(r.KeyGroups) > 0 {
		// With key_groups, sops ignores the rule's top-level key lists. It writes the
		// metadata as key_groups only when there is more than one group (one group is
		// written as top-level lists), so UseKeyGroups follows that.
		res.Recipients.UseKeyGroups = len(r.KeyGroups) > 1
		for i, g := range r.KeyGroups {
			kg, err := g.recipients()
			var ue unsupportedKinds
			if errors.As(err, &ue) {
				if res.RecipientsErr == nil {
					res.RecipientsErr = fmt.Errorf("key_groups[%d] (line %d): %w", i, g.Line, err)
				}
			} else if err != nil {
				return nil, fmt.Errorf("key_groups[%d] (line %d): %w", i, g.Line, err)
			}
			res.Recipients.Groups = append(res.Recipients.Groups, kg)
		}
		if r.ShamirThreshold > len(r.KeyGroups) && res.RecipientsErr == nil {
			res.RecipientsErr = fmt.Errorf("shamir_threshold %d is more than the %d key groups", r.ShamirThreshold, len(r.KeyGroups))
		}
		return res, nil
	}
	if len(r.unsupported) > 0 {
		res.RecipientsErr = unsupportedError(r.unsupported)
	}
	for _, f := range []struct {
		name string
		f    keyField
	}{{"age", r.Age}, {"pgp", r.PGP}} {
		if f.f.typeErr != "" {
			return nil, fmt.Errorf("invalid %s key configuration: %s", f.name, f.f.typeErr)
		}
	}
	var g sopsfile.KeyGroupRecipients
	// sops joins the list with commas and splits again, so a list entry may itself hold
	// several comma-separated recipients.
	for _, s := range splitComma(strings.Join(r.Age.values(), ",")) {
		rec, err := ageRecipient(s)
		if err != nil {
			return nil, err
		}
		g.Age = append(g.Age, rec)
	}
	for _, s := range splitComma(strings.Join(r.PGP.values(), ",")) {
		g.PGP = append(g.PGP, pgpFingerprint(s))
	}
	// Unlike key_groups, sops does not de-duplicate the top-level lists.
	res.Recipients.Groups = []sopsfile.KeyGroupRecipients{g}
	return res, nil
}

// recipients converts a key group. Kinds hush cannot encrypt to give an unsupportedKinds
// error, returned after every other check so that real mistakes are reported first.
func (g keyGroup) recipients() (sopsfile.KeyGroupRecipients, error) {
	var out sopsfile.KeyGroupRecipients
	var unsupported error
	if len(g.unsupported) > 0 {
		unsupported = unsupportedError(g.unsupported)
	}
	for i, m := range g.Merge {
		sub, err := m.recipients()
		var ue unsupportedKinds
		if errors.As(err, &ue) {
			if unsupported == nil {
				unsupported = fmt.Errorf("merge[%d]: %w", i, err)
			}
		} else if err != nil {
			return out, fmt.Errorf("merge[%d]: %w", i, err)
		}
		out.Age = append(out.Age, sub.Age...)
		out.PGP = append(out.PGP, sub.PGP...)
	}
	for _, entry := range g.Age {
		// Each entry of a group's age list is itself a comma-separated list in sops.
		for _, s := range splitComma(entry) {
			rec, err := ageRecipient(s)
			if err != nil {
				return out, err
			}
			out.Age = append(out.Age, rec)
		}
	}
	for _, s := range g.PGP {
		out.PGP = append(out.PGP, pgpFingerprint(s))
	}
	return dedupe(out), unsupported
}

// splitComma splits as sops' age and pgp parsers do: at every comma, without dropping
// empty entries (an empty age recipient is then an error, as in sops).
func splitComma(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func ageRecipient(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty age recipient")
	}
	if err := checkAgeRecipient(s); err != nil {
		return "", fmt.Errorf("age recipient %q: %w", s, err)
	}
	return s, nil
}

// checkAgeRecipient validates one recipient; a variable so that tests can run before the
// keys package is complete.
var checkAgeRecipient = keys.ParseAgeRecipient

// pgpFingerprint normalises a fingerprint as sops does: spaces removed.
func pgpFingerprint(s string) string { return strings.ReplaceAll(s, " ", "") }

func dedupe(g sopsfile.KeyGroupRecipients) sopsfile.KeyGroupRecipients {
	return sopsfile.KeyGroupRecipients{Age: uniq(g.Age), PGP: uniq(g.PGP)}
}

func uniq(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// unsupportedKinds is the error for master key kinds hush cannot encrypt to.
type unsupportedKinds []string

func (u unsupportedKinds) Error() string {
	return fmt.Sprintf("uses %s master keys, which hush cannot encrypt to (only age and pgp); give recipients with --age/--pgp or use sops for this file", strings.Join(u, ", "))
}

func unsupportedError(kinds []string) error { return unsupportedKinds(kinds) }

// checkOneCryptRule enforces sops' rule that at most one of the suffix/regex options is set.
func (r *Rule) checkOneCryptRule() error {
	n := 0
	for _, s := range []string{r.UnencryptedSuffix, r.EncryptedSuffix, r.UnencryptedRegex, r.EncryptedRegex, r.UnencryptedCommentRegex, r.EncryptedCommentRegex} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return errors.New("cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex or unencrypted_comment_regex in one rule")
	}
	return nil
}
