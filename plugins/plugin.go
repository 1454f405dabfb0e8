package plugins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/plugins/wire"
)

// Config says how to start a plugin.
type Config struct {
	// Name names the plugin in messages: its plugin block's name.
	Name string
	// Path is the executable. Args are its arguments.
	Path string
	Args []string
	// SHA256, when set (lower-case hex), is the binary's pinned hash: the
	// binary is copied into a private directory, the copy is hashed and,
	// when it matches, the copy is what runs. Unset, Path runs as it is;
	// only for binaries as trusted as the host (sluice itself).
	SHA256 string
	// Env holds "NAME=value" entries added to the plugin's environment.
	// The plugin does not inherit the host's environment: it gets only
	// PATH, HOME, TMPDIR, TZ, the locale, the TLS certificate locations
	// and the proxy settings (the names in PassEnv), these entries, and
	// the protocol's own.
	Env []string
	// Dir is the plugin's working directory; "" for the host's.
	Dir string
	// CopyDir is where the private copy is made; "" for the temporary
	// directory.
	CopyDir string
	// MaxMessageBytes bounds each message in both directions, on both
	// ends; 0 for wire.DefaultMaxMessageBytes.
	MaxMessageBytes int
	// StartTimeout bounds the start and the handshake; 0 for a minute.
	StartTimeout time.Duration
	// Log, when set, receives the plugin's standard error. Its last lines
	// are kept in any case, for error messages.
	Log io.Writer
}

// PassEnv names the variables of the host's environment a plugin gets.
var PassEnv = []string{
	"PATH", "HOME", "TMPDIR", "TZ", "LANG", "LC_ALL",
	"SSL_CERT_FILE", "SSL_CERT_DIR",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	"SYSTEMROOT", // needed by networking on Windows
}

// Plugin is a running plugin process and the connectors it offers. Its
// methods are safe for concurrent use.
type Plugin struct {
	cfg        Config
	client     *plugin.Client
	rpc        wire.ConnectorClient
	proc       *process
	stderr     *tail
	limit      int
	window     int
	connectors []sdk.Connector
	closeOnce  sync.Once
	// killedByHost: the host ended the process (after a broken
	// handshake), so its exit status says nothing.
	killedByHost bool
}

// Start starts the plugin, negotiates the protocol version and reads the
// connectors it offers. The process runs until Close, or until the host
// process ends, however it ends: the plugin does not outlive the host.
// An error names the plugin and ends with the last lines of its standard
// error.
func Start(ctx context.Context, cfg Config) (*Plugin, error) {
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = wire.DefaultMaxMessageBytes
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = time.Minute
	}
	if cfg.Name == "" {
		cfg.Name = cfg.Path
	}
	p := &Plugin{cfg: cfg, stderr: newTail(cfg.Log), limit: cfg.MaxMessageBytes}
	exe := cfg.Path
	var copyDir string
	if cfg.SHA256 != "" {
		var err error
		exe, copyDir, err = privateCopy(cfg.Path, cfg.SHA256, cfg.CopyDir)
		if err != nil {
			return nil, fmt.Errorf("plugin %q: %w", cfg.Name, err)
		}
		if afterVerify != nil {
			afterVerify()
		}
	} else if _, err := exec.LookPath(cfg.Path); err != nil {
		return nil, fmt.Errorf("plugin %q: %w", cfg.Name, err)
	}
	p.client = plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{wire.ProtocolMajor: {wire.PluginName: &wire.Plugin{}}},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		StartTimeout:     cfg.StartTimeout,
		Logger:           hclog.NewNullLogger(),
		Stderr:           p.stderr,
		SyncStderr:       p.stderr,
		SyncStdout:       p.stderr,
		GRPCDialOptions:  wire.DialOptions(p.limit),
		RunnerFunc: func(_ hclog.Logger, spec *exec.Cmd, socketDir string) (runner.Runner, error) {
			p.proc = &process{
				name: cfg.Name, path: exe, args: cfg.Args, dir: cfg.Dir, copyDir: copyDir, socketDir: socketDir,
				env: p.environ(spec.Env),
			}
			return p.proc, nil
		},
	})
	if err := p.start(ctx); err != nil {
		p.client.Kill()
		if copyDir != "" {
			os.RemoveAll(copyDir)
		}
		return nil, err
	}
	return p, nil
}

// environ is the plugin's environment: what PassEnv lets through,
// Config.Env, the message limit and the parent pipe, then go-plugin's
// (the handshake cookie, the protocol versions, the client certificate).
func (p *Plugin) environ(protocol []string) []string {
	var env []string
	for _, name := range PassEnv {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	env = append(env, p.cfg.Env...)
	env = append(env,
		fmt.Sprintf("%s=%d", wire.EnvMaxMessageBytes, p.limit),
		wire.EnvParentPipe+"=stdin")
	return append(env, protocol...)
}

var versionMismatch = regexp.MustCompile(`incompatible API version with plugin. Plugin version: (\d+)`)

func (p *Plugin) start(ctx context.Context) error {
	cp, err := p.client.Client()
	if err != nil {
		if m := versionMismatch.FindStringSubmatch(err.Error()); m != nil {
			return p.startError(fmt.Errorf("the plugin speaks protocol version %s (sluice.connector.v%s) and this sluice speaks version %d (sluice.connector.v%d); use a plugin built for this sluice, or a sluice that speaks version %s",
				m[1], m[1], wire.ProtocolMajor, wire.ProtocolMajor, m[1]))
		}
		if strings.HasPrefix(err.Error(), "Unrecognized remote plugin message") {
			line, _, _ := strings.Cut(strings.TrimPrefix(err.Error(), "Unrecognized remote plugin message: "), "\n")
			if line != "" {
				p.killedByHost = true
				return p.startError(fmt.Errorf("it wrote %q to its standard output before the plugin handshake; standard output is the handshake's alone, a plugin logs to standard error", line))
			}
			return p.startError(errors.New("it ended before the plugin handshake"))
		}
		if err.Error() == "plugin exited before we could connect" {
			return p.startError(errors.New("it ended before the plugin handshake"))
		}
		if errors.Is(err, fs.ErrPermission) && p.cfg.SHA256 != "" {
			err = fmt.Errorf("%w (the private copy runs from %s, which must allow running programs; set TMPDIR to a directory that does)", err, copyDirOf(p.cfg))
		}
		return p.startError(err)
	}
	raw, err := cp.Dispense(wire.PluginName)
	if err != nil {
		return p.startError(err)
	}
	p.rpc = raw.(wire.ConnectorClient)
	info, err := p.rpc.GetInfo(ctx, &wire.GetInfoRequest{HostProtocolMinor: wire.ProtocolMinor})
	if err != nil {
		return p.fail(ctx, "", "describing itself", err)
	}
	p.proc.tidy() // connected: the first call went through
	p.window = int(info.GetLimits().GetWriteWindow())
	if p.window <= 0 {
		p.window = wire.DefaultWriteWindow
	}
	if n := int(info.GetLimits().GetMaxMessageBytes()); n > 0 && n < p.limit {
		p.limit = n // the plugin accepts less than asked: respect it
	}
	if len(info.Connectors) == 0 {
		return p.startError(errors.New("it offers no connector"))
	}
	for _, ci := range info.Connectors {
		c, err := newConnector(p, ci)
		if err != nil {
			return p.startError(err)
		}
		p.connectors = append(p.connectors, c)
	}
	return nil
}

// Connectors returns the connectors the plugin offers, in its order.
// They implement sdk.Connector (and sdk.SettingsValidator); their
// connections implement the interfaces of the kinds they offer.
func (p *Plugin) Connectors() []sdk.Connector { return p.connectors }

// Name returns the plugin's name.
func (p *Plugin) Name() string { return p.cfg.Name }

// Pid returns the plugin process's id.
func (p *Plugin) Pid() int {
	if p.proc == nil {
		return 0
	}
	return p.proc.pid()
}

// Exited reports whether the plugin process has ended.
func (p *Plugin) Exited() bool { return p.client.Exited() }

// Close ends the plugin: it asks the process to exit, which closes the
// connections still open, and kills it after two seconds. It is safe to
// call more than once.
func (p *Plugin) Close() error {
	p.closeOnce.Do(p.client.Kill)
	return nil
}

func copyDirOf(cfg Config) string {
	if cfg.CopyDir != "" {
		return cfg.CopyDir
	}
	return os.TempDir()
}

// startError is an error starting the plugin, with its standard error.
func (p *Plugin) startError(err error) error {
	msg := fmt.Sprintf("plugin %q (%s) did not start: %v", p.cfg.Name, p.cfg.Path, err)
	if p.proc != nil && p.proc.hasExited(200*time.Millisecond) && !p.killedByHost {
		msg += "; " + p.proc.exitStatus()
	}
	return &Error{Plugin: p.cfg.Name, Msg: msg, Stderr: p.stderr.String(), Err: err}
}

// Error is a failure of a plugin process: it did not start, it crashed or
// it broke the protocol. Stderr holds the last lines of its standard
// error.
type Error struct {
	Plugin    string
	Connector string
	Msg       string
	Stderr    string
	Err       error
}

func (e *Error) Error() string {
	if e.Stderr == "" {
		return e.Msg + ". It wrote nothing to its standard error"
	}
	return e.Msg + ". The last lines of its standard error:\n" + e.Stderr
}

func (e *Error) Unwrap() error { return e.Err }

// fail turns an RPC error into the error callers see: the context's
// error when the caller gave up, a clear error when a message was over
// the limit, and an *Error naming the connector with the plugin's last
// lines of standard error when the process died or misbehaved.
func (p *Plugin) fail(ctx context.Context, connector, doing string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	who := fmt.Sprintf("plugin %q", p.cfg.Name)
	if connector != "" {
		who = fmt.Sprintf("connector %q (plugin %q)", connector, p.cfg.Name)
	}
	st, _ := status.FromError(err)
	if st.Code() == codes.ResourceExhausted {
		return fmt.Errorf("%s, %s: a message was over the size limit of %d bytes between sluice and the plugin: %s", who, doing, p.limit, st.Message())
	}
	// A broken connection may be a process that died: give it a moment to
	// be seen dead, so that the error says so.
	var wait time.Duration
	switch st.Code() {
	case codes.Unavailable, codes.Canceled, codes.Internal:
		wait = 2 * time.Second
	}
	var msg string
	if p.proc != nil && p.proc.hasExited(wait) {
		msg = fmt.Sprintf("%s crashed while %s: %s", who, doing, p.proc.exitStatus())
	} else {
		text := err.Error()
		if st != nil && st.Code() != codes.OK {
			text = st.Message()
		}
		msg = fmt.Sprintf("%s failed while %s: %s", who, doing, text)
	}
	return &Error{Plugin: p.cfg.Name, Connector: connector, Msg: msg, Stderr: p.stderr.String(), Err: err}
}
