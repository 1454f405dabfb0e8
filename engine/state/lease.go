package state

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"
)

// Leases makes sure one pipeline runs at most once at a time, across
// processes and hosts sharing the store.
//
// A lease carries a fencing token that grows with every acquisition of the
// pipeline's lease. The writes of a run (Commit, AdvanceWatermark) take the
// token and fail with ErrFenced once it is no longer current, so a runner
// that stalled past its TTL and was taken over cannot overwrite the newer
// runner's state.
type Leases interface {
	// AcquireLease takes the pipeline's lease for holder (see
	// CurrentHolder) until ttl from now. When another holder has it, it
	// returns a *LockedError naming that holder and since when, unless the
	// lease is stale: its TTL has passed, or its holder is a process of this
	// host that no longer exists. A stale lease is taken over with a new
	// token. The pipeline need not be registered yet.
	AcquireLease(ctx context.Context, pipeline, holder string, ttl time.Duration) (Lease, error)
	// RenewLease extends the lease to ttl from now. Long runs renew well
	// before the TTL ends. It wraps ErrFenced when token is not current.
	RenewLease(ctx context.Context, pipeline string, token int64, ttl time.Duration) (Lease, error)
	// ReleaseLease gives the lease up. Releasing twice is not an error; it
	// wraps ErrFenced when another runner has taken the lease since.
	ReleaseLease(ctx context.Context, pipeline string, token int64) error
}

// Lease is a held pipeline lease.
type Lease struct {
	Pipeline string
	// Token is the fencing token: pass it to every write of the run.
	Token   int64
	Holder  string
	Since   time.Time // when this holder acquired it
	Expires time.Time // when it becomes stale unless renewed
}

// CurrentHolder names this process as a lease holder: "hostname:pid".
func CurrentHolder() string {
	return holderName(localHostname(), os.Getpid())
}

func holderName(host string, pid int) string {
	return host + ":" + strconv.Itoa(pid)
}

// parseHolder splits "hostname:pid". Holders not of that form (a test's
// name, a future worker id) have ok == false and are never judged gone.
func parseHolder(holder string) (host string, pid int, ok bool) {
	i := strings.LastIndexByte(holder, ':')
	if i < 0 {
		return "", 0, false
	}
	pid, err := strconv.Atoi(holder[i+1:])
	if err != nil || pid <= 0 {
		return "", 0, false
	}
	return holder[:i], pid, true
}

// holderGone reports whether holder is a process of this host that has
// exited. A process of another host cannot be checked: its lease is
// stale only when its TTL has passed.
func holderGone(holder string) bool {
	host, pid, ok := parseHolder(holder)
	if !ok || host != localHostname() {
		return false
	}
	return !processAlive(pid)
}

func localHostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}
