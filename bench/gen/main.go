// Command gen writes plaintext benchmark corpora for bench/decrypt.sh: a YAML or JSON file
// with N leaf values (strings, ints, bools, nested maps and lists, a little unicode), so
// that hush and sops decrypt the same shapes. The values are deterministic filler, not
// secrets.
//
//	go run ./bench/gen -format yaml -n 1000 > plain.yaml
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"
)

func main() {
	format := flag.String("format", "yaml", "yaml or json")
	n := flag.Int("n", 10, "number of leaf values")
	flag.Parse()
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	switch *format {
	case "yaml":
		writeYAML(w, *n)
	case "json":
		writeJSON(w, *n)
	default:
		fmt.Fprintln(os.Stderr, "gen: -format must be yaml or json")
		os.Exit(2)
	}
}

// Each group holds 10 leaves: 6 strings of varying length, 2 ints, 1 bool, 1 list entry.
const perGroup = 10

func leaf(i, j int) (key string, val string, kind byte) {
	switch j {
	case 0, 1, 2, 3:
		return "key" + strconv.Itoa(j), fmt.Sprintf("value-%d-%d-%0*d", i, j, 8*j+4, i*j), 's'
	case 4:
		return "unicode", fmt.Sprintf("grüße-%d-世界", i), 's'
	case 5:
		return "port", strconv.Itoa(1000 + i%60000), 'i'
	case 6:
		return "count", strconv.Itoa(i * 7), 'i'
	case 7:
		return "enabled", strconv.FormatBool(i%2 == 0), 'b'
	case 8:
		return "url", fmt.Sprintf("https://host-%d.example.com/path", i), 's'
	}
	return "list", fmt.Sprintf("item-%d", i), 'l'
}

func groups(n int) int { return (n + perGroup - 1) / perGroup }

func writeYAML(w *bufio.Writer, n int) {
	left := n
	for i := 0; i < groups(n); i++ {
		fmt.Fprintf(w, "group%d:\n", i)
		for j := 0; j < perGroup && left > 0; j, left = j+1, left-1 {
			k, v, kind := leaf(i, j)
			switch kind {
			case 's':
				fmt.Fprintf(w, "    %s: %s\n", k, v)
			case 'l':
				fmt.Fprintf(w, "    %s:\n        - %s\n", k, v)
			default:
				fmt.Fprintf(w, "    %s: %s\n", k, v)
			}
		}
	}
}

func writeJSON(w *bufio.Writer, n int) {
	left := n
	w.WriteString("{\n")
	for i := 0; i < groups(n); i++ {
		if i > 0 {
			w.WriteString(",\n")
		}
		fmt.Fprintf(w, "\t\"group%d\": {\n", i)
		for j := 0; j < perGroup && left > 0; j, left = j+1, left-1 {
			if j > 0 {
				w.WriteString(",\n")
			}
			k, v, kind := leaf(i, j)
			switch kind {
			case 's':
				fmt.Fprintf(w, "\t\t%q: %q", k, v)
			case 'l':
				fmt.Fprintf(w, "\t\t%q: [%q]", k, v)
			default:
				fmt.Fprintf(w, "\t\t%q: %s", k, v)
			}
		}
		w.WriteString("\n\t}")
	}
	w.WriteString("\n}\n")
}
