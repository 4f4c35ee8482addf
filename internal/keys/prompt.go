package keys

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"filippo.io/age/plugin"
	"golang.org/x/term"
)

// Interaction with the person at the terminal: passphrases for encrypted SSH keys and the
// requests of age plugins. Everything goes through /dev/tty, never stdin/stdout, which carry
// data (hush decrypt > file). install runs without a terminal and must fail fast and clearly
// instead of hanging.

// ErrNoTTY is returned when a passphrase or confirmation is needed but there is no terminal.
var ErrNoTTY = errors.New("no terminal (/dev/tty) to ask on")

// ttyMu serialises prompts: files decrypt in parallel, and two prompts at once would
// interleave on the screen.
var ttyMu sync.Mutex

// openTTY opens the controlling terminal, unless $HUSH_NO_TTY=1 forbids asking (scripts,
// CI, tests run from a terminal that must not block).
func openTTY(flag int) (*os.File, error) {
	if os.Getenv("HUSH_NO_TTY") == "1" {
		return nil, fmt.Errorf("%w ($HUSH_NO_TTY=1)", ErrNoTTY)
	}
	tty, err := os.OpenFile("/dev/tty", flag, 0)
	if err != nil {
		return nil, ErrNoTTY
	}
	return tty, nil
}

// ttyPassphrase reads a secret from /dev/tty without echo.
func ttyPassphrase(description string) ([]byte, error) {
	ttyMu.Lock()
	defer ttyMu.Unlock()
	tty, err := openTTY(os.O_RDWR)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (use an unencrypted key, or run interactively)", description, err)
	}
	defer tty.Close()
	fmt.Fprintf(tty, "%s: ", description)
	pass, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(tty)
	if err != nil {
		return nil, fmt.Errorf("%s: reading from terminal: %w", description, err)
	}
	return pass, nil
}

func ttyLine(prompt string) (string, error) {
	ttyMu.Lock()
	defer ttyMu.Unlock()
	tty, err := openTTY(os.O_RDWR)
	if err != nil {
		return "", err
	}
	defer tty.Close()
	fmt.Fprintf(tty, "%s ", prompt)
	line, err := bufio.NewReader(tty).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

func ttyMessage(format string, args ...any) {
	ttyMu.Lock()
	defer ttyMu.Unlock()
	if tty, err := openTTY(os.O_WRONLY); err == nil {
		fmt.Fprintf(tty, format+"\n", args...)
		tty.Close()
		return
	}
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

// pluginUI answers age plugins. Secrets they ask for go through prompt (LoadOptions.Prompt
// when set, so tests can answer).
func pluginUI(prompt func(string) ([]byte, error)) *plugin.ClientUI {
	return &plugin.ClientUI{
		DisplayMessage: func(name, message string) error {
			ttyMessage("age-plugin-%s: %s", name, message)
			return nil
		},
		RequestValue: func(name, message string, secret bool) (string, error) {
			desc := fmt.Sprintf("age-plugin-%s: %s", name, message)
			if secret {
				v, err := prompt(desc)
				if err != nil {
					return "", err
				}
				return string(v), nil
			}
			return ttyLine(desc)
		},
		Confirm: func(name, message, yes, no string) (bool, error) {
			choices := "[" + yes + "]"
			if no != "" {
				choices = "[" + yes + "/" + no + "]"
			}
			answer, err := ttyLine(fmt.Sprintf("age-plugin-%s: %s %s", name, message, choices))
			if err != nil {
				return false, err
			}
			if no == "" {
				return true, nil
			}
			return strings.EqualFold(answer, yes) || (answer != "" && strings.HasPrefix(strings.ToLower(yes), strings.ToLower(answer))), nil
		},
		WaitTimer: func(name string) {
			ttyMessage("age-plugin-%s: waiting on the plugin (touch your security key?)", name)
		},
	}
}
