// Command installtime runs a command once and prints its wall time, CPU time (user+sys)
// and peak RSS, precisely (getrusage of the child), for bench/install-bench.sh:
//
//	installtime CMD ARGS...   ->   "wall_ms cpu_ms maxrss_kb" on stdout
//
// The command's own output is discarded; its stderr is shown when it fails.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: installtime CMD ARGS...")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "installtime: %v\n%s", err, stderr.Bytes())
		os.Exit(1)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Printf("%.2f %.2f %d\n", float64(wall.Microseconds())/1000, float64(cpu.Microseconds())/1000, ru.Maxrss)
}
