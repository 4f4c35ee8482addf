package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpEveryCommand runs --help on every command of the tree (whoever registered it):
// it succeeds, prints a usage line and a description, and nothing on stderr.
func TestHelpEveryCommand(t *testing.T) {
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, s := range c.Commands() {
			if s.Hidden || s.Name() == "help" {
				continue
			}
			walk(s, append(append([]string(nil), path...), s.Name()))
		}
	}
	walk(NewRoot(), nil)
	if len(paths) < 15 {
		t.Fatalf("only %d commands found", len(paths))
	}
	for _, p := range paths {
		root := NewRoot()
		var out, errb bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&errb)
		root.SetArgs(append(append([]string(nil), p...), "--help"))
		if err := root.Execute(); err != nil {
			t.Errorf("hush %s --help: %v", strings.Join(p, " "), err)
			continue
		}
		s := out.String()
		if len(p) == 1 && p[0] == "sops-install-secrets" {
			// sops-nix's installer, flag for flag: Go flag usage, on stderr as there.
			if !strings.Contains(errb.String(), "Usage of sops-install-secrets") {
				t.Errorf("hush sops-install-secrets --help: no usage")
			}
			continue
		}
		if !strings.Contains(s, "Usage:") || len(strings.TrimSpace(strings.SplitN(s, "Usage:", 2)[0])) == 0 || errb.Len() > 0 {
			t.Errorf("hush %s --help: no usage or description (stderr %q)", strings.Join(p, " "), errb.String())
		}
	}
}

// TestJSONWhereOutputIsData: the commands whose output is data a script reads offer --json
// (decrypt's output is the file itself: --output-type json).
func TestJSONWhereOutputIsData(t *testing.T) {
	for _, p := range [][]string{{"keygen"}, {"key", "from-ssh"}, {"key", "public"}, {"updatekeys"}, {"init"}} {
		c, _, err := NewRoot().Find(p)
		if err != nil {
			t.Fatal(err)
		}
		if c.Flags().Lookup("json") == nil {
			t.Errorf("hush %s has no --json", strings.Join(p, " "))
		}
	}
	c, _, _ := NewRoot().Find([]string{"decrypt"})
	if c.Flags().Lookup("output-type") == nil {
		t.Error("decrypt has no --output-type")
	}
}

// TestCompletion: the completion scripts generate for every shell, and flag values
// complete (formats for --input-type/--output-type, subcommands by prefix).
func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		root := NewRoot()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetArgs([]string{"completion", sh})
		if err := root.Execute(); err != nil || !strings.Contains(out.String(), "hush") {
			t.Errorf("completion %s: %v", sh, err)
		}
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "decrypt", "--output-type", ""}, []string{"yaml", "json", "dotenv", "ini", "binary"}},
		{[]string{"__complete", "encrypt", "--input-type", "j"}, []string{"json"}},
		{[]string{"__complete", "up"}, []string{"updatekeys"}},
		{[]string{"__complete", "key", ""}, []string{"from-ssh", "public"}},
	} {
		root := NewRoot()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&bytes.Buffer{})
		root.SetArgs(c.args)
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		for _, w := range c.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: %q not offered in %q", c.args, w, out.String())
			}
		}
	}
}
