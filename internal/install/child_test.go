package install

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/hush-nix/hush/internal/template"
)

// childMain is the test binary re-executed as an installer that SIGKILLs itself at the
// n-th fault point (HUSH_CRASH_AT; 0 counts the points and prints the count). It runs the
// config in HUSH_CRASH_CFG with the fake decrypter.
func childMain() int {
	var cfg Config
	data, err := os.ReadFile(os.Getenv("HUSH_CRASH_CFG"))
	if err == nil {
		err = json.Unmarshal(data, &cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 3
	}
	r, _ := template.New(template.Options{Hush: true})
	for i := range cfg.Templates {
		cfg.Templates[i].Renderer = r
	}
	at, _ := strconv.Atoi(os.Getenv("HUSH_CRASH_AT"))
	count := 0
	e := &Engine{
		NewDecrypter: func(Identities) (Decrypter, error) { return fakeDecrypter{}, nil },
		NixosRunDir:  os.Getenv("HUSH_CRASH_NIXOS"),
		Fault: func(string) {
			count++
			if count == at {
				_ = unix.Kill(os.Getpid(), unix.SIGKILL)
				select {} // the signal is delivered before this returns
			}
		},
	}
	if _, err := e.Install(&cfg); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 4
	}
	fmt.Println(count)
	return 0
}
