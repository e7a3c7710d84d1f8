package dev.fuseoverlay.cli;

import dev.fuseoverlay.fuse.Mounter;
import dev.fuseoverlay.layer.LayerStack;
import dev.fuseoverlay.options.MountOptions;
import dev.fuseoverlay.options.OptionsException;
import dev.fuseoverlay.ops.Overlay;
import dev.fuseoverlay.ops.Owners;
import dev.fuseoverlay.ops.Trace;
import dev.fuseoverlay.realfs.ErrnoException;
import dev.fuseoverlay.realfs.Native;
import dev.fuseoverlay.realfs.RealFs;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/**
 * {@code fuse-overlay}: the mount program, a drop-in for fuse-overlayfs
 * ({@code fuse-overlay -o lowerdir=...,upperdir=...,workdir=... MOUNTPOINT}, or as a mount helper
 * {@code fuse-overlay SOURCE MOUNTPOINT -o ...}), and the home of the study subcommands.
 */
@Command(name = "fuse-overlay", sortOptions = false, usageHelpAutoWidth = true, subcommands = {Tour.class, ExplainCommand.class, DiffCommand.class, LayersCommand.class},
        versionProvider = Main.Version.class,
        header = "Mount a union of directories with Linux overlayfs semantics (userspace, FUSE).",
        synopsisHeading = "%nUsage: ",
        customSynopsis = {
            "fuse-overlay [-f] [-d] -o lowerdir=LOWER[:LOWER...][,upperdir=UPPER,workdir=WORK][,OPTION...] MOUNTPOINT",
            "       fuse-overlay SOURCE MOUNTPOINT -o OPTIONS     (as run by mount -t fuse.fuse-overlay)",
            "       fuse-overlay COMMAND [ARGS]"},
        footerHeading = "%nMount options (-o, comma separated):%n",
        footer = {
            "  lowerdir=A:B:C        read-only layers, leftmost on top; \\: is a literal colon",
            "  upperdir=DIR          the writable layer (omit for a read-only mount)",
            "  workdir=DIR           scratch directory on the same filesystem as upperdir",
            "  fsync=0 | volatile    do not sync: faster, not crash safe",
            "  trace=FILE            log each operation and the overlay's decision (for learning)",
            "  timeout=SECONDS       kernel cache time for names and negative lookups (default 86400; libfuse: 1)",
            "  attr_timeout=SECONDS  kernel cache time for attributes (default 86400; libfuse: 0, exact hard links)",
            "  noauto_unmount        leave a dead mountpoint if the server is killed (default: remove it)",
            "  userxattr             user.overlay.* xattrs instead of trusted.overlay.* (automatic if trusted.* fails)",
            "  redirect_dir=on|follow|nofollow|off  on: rename lower directories in one step (kernel option)",
            "  index=on|off          kernel option (default off): on keeps lower hard links one inode after copy-up",
            "  metacopy=on|off       kernel option (default off): on copies metadata only for chmod/chown/touch",
            "  xino=off|auto|on      kernel option: on/auto put the layer's filesystem in the high inode bits",
            "  noxattrs=1, static_nlink, noacl  fuse-overlayfs options: no xattrs; directories nlink 1; ACLs not enforced",
            "  xattr_permissions=0|1|2  fuse-overlayfs option: owners and modes kept in an override xattr",
            "  uidmapping=S:M:N[:S:M:N...], gidmapping=...  show stored id S as M (N ids), as fuse-overlayfs",
            "  squash_to_root, squash_to_uid=ID, squash_to_gid=ID  every object shows this owner",
            "  ro, rw, dev, nodev, suid, nosuid, exec, noexec, allow_other, allow_root,",
            "  default_permissions, fsname=NAME, debug",
            "  engine=auto|devfuse|libfuse  (default auto, or $FUSE_OVERLAY_ENGINE) devfuse: the kernel's",
            "                        /dev/fuse protocol directly (needs root or a user namespace; names and",
            "                        attributes cached a day unless timeout= given; POSIX ACLs enforced);",
            "                        libfuse: jnr-fuse and libfuse 2; auto: devfuse, libfuse for a plain user",
            "  threads=N             engine=devfuse: threads serving requests (default 4)",
            "  readers=load|all      engine=devfuse: load (default): one thread reads while one client talks",
            "                        to the mount, all once requests queue up or wait for the disk; all: all",
            "  passthrough=on|off    engine=devfuse: the kernel reads and writes upper files itself (default on)",
            "  uring=on|off|rt       engine=devfuse: requests through FUSE over io_uring, answered on the caller's",
            "                        CPU (default off; Linux 6.14+ with fuse's enable_uring module parameter Y);",
            "                        rt: as on, the queue threads at real-time priority (needs CAP_SYS_NICE)",
            "Unknown options are ignored with a warning, like fuse-overlayfs.",
            "Unmount with: fusermount3 -u MOUNTPOINT   (or umount MOUNTPOINT)"})
public final class Main implements Callable<Integer> {
    @Option(names = "-o", paramLabel = "OPTIONS", description = "mount options (see below); may be repeated")
    List<String> options = new ArrayList<>();

    @Option(names = "-f", description = "stay in the foreground")
    boolean foreground;

    @Option(names = {"-d", "--debug"}, description = "debug: foreground, log every operation to stderr")
    boolean debugFlag;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help and exit")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "print the version and exit")
    boolean version;

    @Option(names = "--trace", paramLabel = "FILE",
            description = "write one line per operation and its decision to FILE (- for stderr); same as -o trace=FILE")
    String traceFile;

    /** Internal: the background server started by a non-foreground mount; reports readiness on stdout. */
    @Option(names = "--serve", hidden = true)
    boolean serve;

    @Parameters(paramLabel = "[SOURCE] MOUNTPOINT", arity = "0..2")
    List<String> positional = new ArrayList<>();

    @Unmatched
    List<String> unmatched = new ArrayList<>();

    private String[] rawArgs;

    public static void main(String[] args) {
        Args.utf8Output();
        Main mount = MountLine.parse(args);   // a mount's start-up without picocli (see MountLine)
        if (mount != null) {
            mount.rawArgs = args;
            int rc;
            try {
                rc = mount.call();
            } catch (Exception ex) {
                rc = failure(ex);
            }
            System.exit(rc);
        }
        Main main = new Main();
        main.rawArgs = args;
        CommandLine cl = commandLine(main);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            String help = c == null || c == cl ? "fuse-overlay --help" : "fuse-overlay " + c.getCommandName() + " --help";
            System.err.println("fuse-overlay: " + ex.getMessage() + " (see " + help + ")");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, r) -> failure(ex));
        System.exit(cl.execute(args));
    }

    /**
     * How picocli reads a command line into {@code main}: unknown arguments of a mount are warned about, not
     * refused (like fuse-overlayfs); a study subcommand refuses them; {@code @FILE} is an argument, not the words of a file (neither fuse-overlayfs nor
     * mount(8) expands it).
     */
    static CommandLine commandLine(Main main) {
        CommandLine cl = new CommandLine(main);
        cl.setUnmatchedArgumentsAllowed(true);
        cl.setExpandAtFiles(false);
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.setUnmatchedArgumentsAllowed(false); // the study tools: a mistyped option is an error, not a silent no-op
        }
        return cl;
    }

    /** A command that failed: its one line, and the exit code. */
    private static int failure(Exception ex) {
        if (ex instanceof OptionsException || ex instanceof ErrnoException) {
            System.err.println("fuse-overlay: " + ex.getMessage());
            return 1;
        }
        System.err.println("fuse-overlay: internal error: " + ex);
        return 70;
    }

    @Override
    public Integer call() throws Exception {
        // only the process that mounts speaks: with the two-process fallback the parent stays quiet
        boolean mounts = serve || foreground || debugFlag;
        if (positional.isEmpty()) {
            throw new OptionsException("no mountpoint given (see fuse-overlay --help)");
        }
        MountOptions o = MountOptions.parse(Args.bytes(options));
        Mounter.engine(o); // a bad FUSE_OVERLAY_ENGINE is reported before anything starts
        boolean debug = debugFlag || o.debug;
        if (mounts || debug) {
            for (String u : unmatched) {
                System.err.println("fuse-overlay: unknown argument ignored: " + u);
            }
            for (String w : o.warnings) {
                System.err.println("fuse-overlay: " + w);
            }
        }
        String mountPoint = Args.bytes(positional.get(positional.size() - 1));
        RealFs fs = new RealFs(debug ? System.err : null);
        LayerStack layers = LayerStack.open(o, mountPoint, fs);
        String mnt = Native.C.realpath(Native.cstr(mountPoint), null);
        Mounter.checkMachine();
        if (!foreground && !serve && !debug) {
            return daemonize();
        }
        Trace trace = openTrace(traceFile != null ? traceFile : o.trace == null ? null : Args.text(o.trace)); // before work/ is touched
        Overlay ov = Overlay.open(layers, fs, o.fsync, o.userXattr);
        ov.setOwners(Owners.of(o));
        ov.setRedirectDir(o.redirectDir);
        ov.setXino(o.xino);
        ov.setStaticNlink(o.staticNlink);
        ov.setXattrsDisabled(o.noXattrs);
        ov.setXattrPermissions(o.xattrPermissions);
        if (!o.userXattr && !ov.readOnly() && ov.whiteouts().namespace().equals("user")) {
            // one informational line, before the mount is ready (stdout is the launcher's READY channel)
            System.err.println("fuse-overlay: overlay xattrs in user.overlay.* (trusted.* not writable on the upper layer)");
        }
        ov.setMetacopy(o.metacopy);
        String indexOff = ov.setIndex(o.index);
        if (indexOff != null) {
            System.err.println("fuse-overlay: index=on: " + indexOff);
        }
        if (trace != null) {
            ov.setTrace(trace);
        }
        return Mounter.serve(ov, o, mnt, debug ? System.err : null, serve ? Main::detach : () -> { });
    }

    /** The trace file, or null; a file that cannot be written is refused in one line. */
    private static Trace openTrace(String target) {
        if (target == null) {
            return null;
        }
        try {
            return Trace.open(target);
        } catch (java.io.IOException e) {
            // NIO names the path as its message; the reason is in the type or getReason
            String why = e instanceof java.nio.file.NoSuchFileException ? "No such file or directory"
                    : e instanceof java.nio.file.AccessDeniedException ? "Permission denied"
                    : e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                    : e.getMessage();
            throw new OptionsException("cannot write the trace to " + target + ": " + why);
        }
    }

    /** In the background server: tell the parent the mount is live, then let go of its stdout and stderr. */
    private static void detach() {
        System.out.println("READY");
        System.out.flush();
        int devnull = Native.C.open(Native.cstr("/dev/null"), Native.O_RDWR, 0);
        Native.C.dup2(devnull, 0);
        Native.C.dup2(devnull, 1);
        Native.C.dup2(devnull, 2);
        Native.C.close(devnull);
    }

    /**
     * Starts the server in a new session with stdin on /dev/null and waits until it reports the mount live
     * (exit 0) or dies (its exit code; it has printed its one line on our stderr).
     */
    private int daemonize() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("setsid");
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        String jvm = System.getenv("FUSE_OVERLAY_JVM_OPTS");
        if (jvm != null && !jvm.isBlank()) {
            cmd.addAll(Arrays.asList(jvm.trim().split("\\s+")));
        } else {
            cmd.add("-Dfile.encoding=ISO-8859-1");
            cmd.add("-XX:-UsePerfData"); // no /tmp/hsperfdata_USER/PID: nothing outside upper and work
        }
        String nativeDir = System.getenv("FUSE_OVERLAY_NATIVE");
        if (nativeDir != null && !nativeDir.isBlank()) {
            cmd.add(nativeDir.trim());
        }
        String cds = System.getenv("FUSE_OVERLAY_CDS");
        if (cds != null && !cds.isBlank()) {
            cmd.add(cds.trim());
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("--serve");
        cmd.addAll(Arrays.asList(rawArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(new File("/dev/null"))
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = pb.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.ISO_8859_1))) {
            // anything the JVM prints on stdout before READY (a warning, a -Xlog line) goes on to stderr
            for (String line; (line = r.readLine()) != null; ) {
                if (line.equals("READY")) {
                    return 0;
                }
                System.err.println(line);
            }
        }
        int rc = p.waitFor();
        return rc == 0 ? 1 : rc;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"fuse-overlay: version " + (v != null ? v : "0.1.0"), "FUSE library version 2.9.9 (libfuse2, via jnr-fuse)"};
        }
    }
}
