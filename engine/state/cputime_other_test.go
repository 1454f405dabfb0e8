//go:build !unix

package state

import "time"

func cpuTime() time.Duration { return 0 }
