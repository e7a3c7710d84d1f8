package dev.fuseoverlay.runtime;

import dev.fuseoverlay.cli.Args;
import dev.fuseoverlay.realfs.RealFs;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/** {@code runtime}: the rootless container launcher (see the package documentation for how a run is built). */
@Command(name = "runtime", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        versionProvider = RuntimeMain.Version.class,
        header = "Run commands in containers whose root filesystem is a fuse-overlay of layers, as an ordinary user.",
        subcommands = {RuntimeMain.Run.class, RuntimeMain.Import.class, RuntimeMain.Layers.class, RuntimeMain.Commit.class,
            RuntimeMain.Ps.class, RuntimeMain.Rm.class, RuntimeMain.Rmi.class},
        footerHeading = "%n",
        footer = {"State lives in $XDG_DATA_HOME/fuse-overlay-runtime (~/.local/share/fuse-overlay-runtime), or --root DIR,",
            "or $FUSE_OVERLAY_RUNTIME_ROOT. Exit status: the command's; 125 when the runtime itself failed.",
            "Needs: /dev/fuse usable by you, a range in /etc/subuid and /etc/subgid, newuidmap (uidmap), bwrap (bubblewrap)."})
public final class RuntimeMain implements Callable<Integer> {
    static final String INSIDE = "--inside";

    @Option(names = "--root", paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "state directory (default: $XDG_DATA_HOME/fuse-overlay-runtime)")
    String root;

    public static void main(String[] args) {
        dev.fuseoverlay.cli.Args.utf8Output();
        System.exit(execute(args));
    }

    static int execute(String[] args) {
        if (args.length == 3 && args[0].equals(INSIDE)) {
            try {
                return Inside.main(args[1], Spec.decode(args[2]));
            } catch (RuntimeException125 e) {
                System.err.println("runtime: " + e.getMessage());
                return 125;
            } catch (Exception e) {
                System.err.println("runtime: internal error inside the namespace: " + e);
                return 125;
            }
        }
        CommandLine cl = commandLine();
        cl.setParameterExceptionHandler((ex, a) -> {
            System.err.println("runtime: " + ex.getMessage() + " (see runtime --help)");
            return 125;
        });
        cl.setExecutionExceptionHandler((ex, c, r) -> {
            if (ex instanceof RuntimeException125) {
                System.err.println("runtime: " + ex.getMessage());
                return 125;
            }
            System.err.println("runtime: internal error: " + ex);
            return 125;
        });
        return cl.execute(args);
    }

    /**
     * The command line as parsed: options after the command are the command's, and an argument starting with
     * {@code @} is an argument (picocli would replace {@code @FILE} by the words of a host file, also after
     * {@code --}: {@code curl -d @body.json} would get the file's text).
     */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new RuntimeMain());
        cl.setExpandAtFiles(false);
        cl.getSubcommands().get("run").setStopAtPositional(true);
        return cl;
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.err);
        return 125;
    }

    Store store() {
        return Store.locate(root);
    }

    // ---- run --------------------------------------------------------------------------------------

    @Command(name = "run", sortOptions = false, usageHelpAutoWidth = true, mixinStandardHelpOptions = true,
            description = "Run a command in a container made of layers (the last --layer on top).")
    static final class Run implements Callable<Integer> {
        @ParentCommand RuntimeMain parent;

        @Option(names = "--layer", paramLabel = "LAYER",
                description = "a layer name or ID (see: runtime layers), or a directory (a path with a /); repeat, bottom first")
        List<String> layers = new ArrayList<>();

        @Option(names = "--name", description = "container name (default: a new random name); an existing stopped container is run again with its upper")
        String name;

        @Option(names = "--upper", paramLabel = "DIR", description = "use DIR as the upper (writable) layer instead of the container's own")
        String upper;

        @Option(names = "--rm", description = "delete the container (its upper) when the command ends")
        boolean rm;

        @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "run as this user of the container (name or ID; default root)")
        String user;

        @Option(names = {"-i", "--interactive"}, description = "keep standard input open (otherwise the command reads /dev/null)")
        boolean interactive;

        @Option(names = {"-t", "--tty"}, description = "give the command a terminal of its own (use with -i for a shell)")
        boolean tty;

        @Option(names = "--net", paramLabel = "host|none", description = "host: the machine's network (default); none: loopback only")
        String net = "host";

        @Option(names = {"-e", "--env"}, paramLabel = "KEY[=VALUE]", description = "set an environment variable (KEY alone: take ours)")
        List<String> env = new ArrayList<>();

        @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "working directory in the container (default /)")
        String workdir = "/";

        @Option(names = "--hostname", description = "host name in the container (default: the container's name)")
        String hostname;

        @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "the command and its arguments (default /bin/sh)")
        List<String> command = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (!net.equals("host") && !net.equals("none")) {
                throw new RuntimeException125("--net must be host or none, not " + net);
            }
            if (!workdir.startsWith("/")) {
                throw new RuntimeException125("--workdir must be an absolute path in the container");
            }
            if (name != null) {
                Store.checkName("container", name);
            }
            Preflight.require(true);
            Store store = parent.store();
            store.init();
            if (name == null) {
                name = "c-" + HexFormat.of().formatHex(SecureRandom.getSeed(4));
            }
            Path cdir = store.container(name);
            Properties config;
            boolean created = false;
            if (store.containerExists(name)) {
                if (store.running(name)) {
                    throw new RuntimeException125("container " + name + " is running");
                }
                config = store.containerConfig(name);
                if (!layers.isEmpty() && !store.resolveLayers(layers).equals(Store.layersOf(config))) {
                    throw new RuntimeException125("container " + name + " exists with other layers (" + describe(store, config)
                            + "): run it without --layer, or runtime rm " + name + " first");
                }
                if (upper != null && !Path.of(upper).toAbsolutePath().normalize().toString().equals(config.getProperty("upper"))) {
                    throw new RuntimeException125("container " + name + " exists with upper " + config.getProperty("upper"));
                }
                store.resolveLayers(Store.layersOf(config).stream().map(r -> r.startsWith("dir:") ? r.substring(4) : r).toList());
            } else {
                if (layers.isEmpty()) {
                    throw new RuntimeException125("give at least one --layer (see: runtime layers, runtime import)");
                }
                List<String> refs = store.resolveLayers(layers);
                Files.createDirectories(cdir);
                created = true;
                config = new Properties();
                Spec.putList(config, "layer", refs);
                config.setProperty("created", Instant.now().toString());
                String up = cdir.resolve("upper").toString();
                String work = cdir.resolve("work").toString();
                if (upper != null) {
                    Path u = Path.of(upper).toAbsolutePath().normalize();
                    Files.createDirectories(u);
                    up = u.toString();
                    if (Files.getFileStore(u).equals(Files.getFileStore(cdir))
                            && Files.getAttribute(u, "unix:dev").equals(Files.getAttribute(cdir, "unix:dev"))) {
                        config.setProperty("externalUpper", "true");
                    } else {
                        work = u.resolveSibling("." + u.getFileName() + ".fuse-overlay-work").toString();
                        config.setProperty("externalUpper", "true");
                        config.setProperty("externalWork", "true");
                    }
                }
                Files.createDirectories(Path.of(up));
                Files.createDirectories(Path.of(work));
                config.setProperty("upper", up);
                config.setProperty("work", work);
                store.writeContainerConfig(name, config);
            }
            FileLock lock = store.lock(name);
            if (lock == null) {
                throw new RuntimeException125("container " + name + " is running");
            }
            List<String> refs = Store.layersOf(config);
            Properties spec = new Properties();
            spec.setProperty("merged", cdir.resolve("merged").toString());
            spec.setProperty("upper", config.getProperty("upper"));
            spec.setProperty("work", config.getProperty("work"));
            List<String> lowers = new ArrayList<>();
            for (String r : refs) {
                lowers.add(store.layerPath(r));
            }
            Collections.reverse(lowers); // fuse-overlay wants the top layer first
            Spec.putList(spec, "lower", lowers);
            // what the command is given (its words, environment, directory, host name, user) goes to it as
            // the bytes it was given: the inside JVM hands strings to exec one char per byte (ISO-8859-1)
            spec.setProperty("hostname", Args.bytes(hostname != null ? hostname : name));
            spec.setProperty("net", net);
            spec.setProperty("tty", Boolean.toString(tty));
            if (System.getenv("TERM") != null) {
                spec.setProperty("term", Args.bytes(System.getenv("TERM")));
            }
            if (user != null) {
                spec.setProperty("user", Args.bytes(user));
            }
            spec.setProperty("workdir", Args.bytes(workdir));
            List<String> envs = new ArrayList<>();
            for (String e : env) {
                int eq = e.indexOf('=');
                if (eq == 0) {
                    throw new RuntimeException125("--env " + e + ": no name");
                }
                if (eq > 0) {
                    envs.add(e);
                } else if (System.getenv(e) != null) {
                    envs.add(e + "=" + System.getenv(e));
                }
            }
            Spec.putList(spec, "env", Args.bytes(envs));
            Spec.putList(spec, "arg", Args.bytes(command));
            spec.setProperty("rm", Boolean.toString(rm));
            List<String> remove = new ArrayList<>();
            remove.add(cdir.toString());
            if (Boolean.parseBoolean(config.getProperty("externalWork"))) {
                remove.add(config.getProperty("work"));
            }
            Spec.putList(spec, "remove", remove);
            int code = launch(spec);
            if (created && code == 125 && rm && Files.isDirectory(cdir)) {
                removeInside(store, remove);
            }
            return code;
        }

        private int launch(Properties spec) throws Exception {
            ProcessBuilder pb = Launcher.builder("run", spec);
            Pty pty = null;
            if (tty) {
                pty = Pty.open();
                File slave = new File(pty.slave);
                pb.redirectInput(slave).redirectOutput(slave).redirectError(slave);
            } else {
                pb.redirectInput(interactive ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.from(new File("/dev/null")));
                pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
            }
            Process p = pb.start();
            Pty t = pty;
            Signals.install(sig -> {
                if (sig == Posix.SIGWINCH) {
                    if (t != null) {
                        t.resize();
                    }
                    return;
                }
                ProcessHandle in = Launcher.inside(p);
                if (in != null) {
                    Posix.C.kill((int) in.pid(), sig);
                }
            }, true);
            if (pty != null) {
                pty.start();
            }
            int code = p.waitFor();
            if (pty != null) {
                pty.drain();
                pty.close();
            }
            return code;
        }
    }

    static String describe(Store store, Properties config) {
        Map<String, List<String>> names = store.namesById();
        List<String> shown = new ArrayList<>();
        for (String r : Store.layersOf(config)) {
            shown.add(store.show(r, names));
        }
        return String.join(" + ", shown);
    }

    static void removeInside(Store store, List<String> paths) throws Exception {
        Properties spec = new Properties();
        Spec.putList(spec, "path", paths);
        Launcher.runInside("rm", spec);
    }

    // ---- rm ---------------------------------------------------------------------------------------

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete stopped containers (their upper layers too).")
    static final class Rm implements Callable<Integer> {
        @ParentCommand RuntimeMain parent;

        @Parameters(paramLabel = "NAME", arity = "1..*")
        List<String> names;

        @Override
        public Integer call() throws Exception {
            Store store = parent.store();
            List<String> paths = new ArrayList<>();
            for (String n : names) {
                Store.checkName("container", n);
                if (!store.containerExists(n) && !Files.isDirectory(store.container(n))) {
                    throw new RuntimeException125("no container named " + n + " (see: runtime ps)");
                }
                if (store.running(n)) {
                    throw new RuntimeException125("container " + n + " is running");
                }
                Properties c = store.containerConfig(n);
                if (Boolean.parseBoolean(c.getProperty("externalWork"))) {
                    paths.add(c.getProperty("work"));
                }
                paths.add(store.container(n).toString());
            }
            Preflight.require(false);
            int rc = 0;
            Properties spec = new Properties();
            Spec.putList(spec, "path", paths);
            rc = Launcher.runInside("rm", spec);
            if (rc == 0) {
                for (String n : names) {
                    System.out.println(n);
                }
            }
            return rc;
        }
    }

    // ---- rmi --------------------------------------------------------------------------------------

    @Command(name = "rmi", mixinStandardHelpOptions = true,
            description = {"Remove layer names; a layer no name, container or other layer uses any more is deleted."})
    static final class Rmi implements Callable<Integer> {
        @ParentCommand RuntimeMain parent;

        @Parameters(paramLabel = "LAYER", arity = "1..*", description = "layer names or IDs")
        List<String> layers;

        @Override
        public Integer call() throws Exception {
            Store store = parent.store();
            List<String> ids = new ArrayList<>();
            for (String l : layers) {
                if (l.contains("/")) {
                    throw new RuntimeException125(l + " is a directory, not a stored layer");
                }
                List<String> chain = store.resolveLayer(l);
                String id = chain.get(chain.size() - 1);
                if (store.nameToId(l) != null) {
                    Files.deleteIfExists(store.names().resolve(l));
                } else {
                    for (String n : store.namesById().getOrDefault(id, List.of())) {
                        Files.deleteIfExists(store.names().resolve(n));
                    }
                }
                System.out.println("untagged " + l);
                ids.add(id);
            }
            // Delete what nothing uses any more, then the unnamed layers below it that only it used.
            List<String> going = new ArrayList<>();
            java.util.Deque<String> todo = new java.util.ArrayDeque<>(ids);
            while (!todo.isEmpty()) {
                String id = todo.poll();
                if (going.contains(id)) {
                    continue;
                }
                String user = store.layerUser(id, going);
                if (user != null) {
                    if (ids.contains(id)) {
                        System.out.println("kept " + id.substring(0, 12) + " (used by " + user + ")");
                    }
                    continue;
                }
                going.add(id);
                List<String> chain = store.chain(id);
                for (String below : chain.subList(0, chain.size() - 1)) {
                    if (!below.startsWith("dir:")) {
                        todo.add(below);
                    }
                }
            }
            List<String> paths = going.stream().map(id -> store.layerDir(id).toString()).toList();
            if (paths.isEmpty()) {
                return 0;
            }
            Preflight.require(false);
            Properties spec = new Properties();
            Spec.putList(spec, "path", paths);
            int rc = Launcher.runInside("rm", spec);
            for (String p : paths) {
                String id = Path.of(p).getFileName().toString();
                if (!Files.exists(Path.of(p))) {
                    Files.deleteIfExists(store.layers().resolve(id + ".meta"));
                    System.out.println("deleted sha256:" + id);
                }
            }
            return rc;
        }
    }

    // ---- import -----------------------------------------------------------------------------------

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Store a root filesystem as a layer: a tar (gzip or not; docker export, OCI layer, mmdebstrap)",
                "or a directory. .wh. entries become whiteouts; files get the container's IDs (mapped onto your subordinate",
                "IDs); the layer is stored once per content (sha256 of the tar)."})
    static final class Import implements Callable<Integer> {
        @ParentCommand RuntimeMain parent;

        @Parameters(paramLabel = "TAR|DIR")
        String source;

        @Option(names = "--name", description = "name the layer (a later import or commit may take the name over)")
        String name;

        @Override
        public Integer call() throws Exception {
            if (name != null) {
                Store.checkName("layer", name);
            }
            Path src = Path.of(source).toAbsolutePath().normalize();
            if (!Files.exists(src)) {
                throw new RuntimeException125(source + ": no such file or directory");
            }
            if (!Files.isDirectory(src) && !Files.isReadable(src)) {
                throw new RuntimeException125(source + ": not readable");
            }
            Preflight.require(false);
            Store store = parent.store();
            store.init();
            Properties spec = new Properties();
            spec.setProperty("store", store.root.toString());
            spec.setProperty("label", src.toString());
            if (name != null) {
                spec.setProperty("name", name);
            }
            if (!Files.isDirectory(src)) {
                spec.setProperty("source", src.toString());
                return Launcher.runInside("import", spec);
            }
            spec.setProperty("hostIds", "true");
            Process p = Launcher.builder("import", spec)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            AtomicReference<Exception> failed = new AtomicReference<>();
            try (OutputStream out = p.getOutputStream()) {
                TreeExport.write(new RealFs(null), src.toString(), new TarWriter(new java.io.BufferedOutputStream(out, 1 << 16)));
            } catch (IOException | dev.fuseoverlay.realfs.ErrnoException e) { // (an unreadable directory: Errno)
                failed.set(e); // closing the stream cuts the archive short: the inside drops its partial layer
            }
            int rc = p.waitFor();
            if (failed.get() != null) {
                throw new RuntimeException125("import " + source + ": " + failed.get().getMessage());
            }
            return rc;
        }
    }

    // ---- layers -----------------------------------------------------------------------------------

    @Command(name = "layers", mixinStandardHelpOptions = true, description = "List the stored layers.")
    static final class Layers implements Callable<Integer> {
        @ParentCommand RuntimeMain parent;

        @Override
        public Integer call() {
            Store store = parent.store();
            Map<String, List<String>> names = store.namesById();
            System.out.printf("%-20s %-14s %10s %8s  %-16s  %s%n", "NAME", "LAYER", "SIZE", "FILES", "CREATED", "ON TOP OF");
            for (String id : store.layerIds()) {
                Properties m = store.layerMeta(id);
                List<String> parents = new ArrayList<>();
                for (String r : Spec.getList(m, "parent")) {
                    parents.add(store.show(r, names));
                }
                for (String n : names.getOrDefault(id, List.of("<none>"))) {
                    System.out.printf("%-20s %-14s %10s %8s  %-16s  %s%n", n, id.substring(0, 12),
                            Format.size(Long.parseLong(m.getProperty("size", "0"))), m.getProperty("files", "?"),
                            Format.time(m.getProperty("created")), parents.isEmpty() ? "-" : String.join(" + ", parents));
                }
            }
            return 0;
        }
    }

    // ---- commit -----------------------------------------------------------------------------------

    @Command(name = "commit", mixinStandardHelpOptions = true,
            description = "Freeze a stopped container's upper into a new layer on top of the container's layers.")
    static final class Commit implements Callable<Integer> {
        @ParentCommand RuntimeMain parent;

        @Parameters(paramLabel = "CONTAINER")
        String container;

        @Option(names = "--name", required = true, description = "name of the new layer")
        String name;

        @Override
        public Integer call() throws Exception {
            Store.checkName("container", container);
            Store.checkName("layer", name);
            Store store = parent.store();
            if (!store.containerExists(container)) {
                throw new RuntimeException125("no container named " + container + " (see: runtime ps)");
            }
            if (store.running(container)) {
                throw new RuntimeException125("container " + container + " is running: commit it once it has stopped");
            }
            Preflight.require(false);
            Properties c = store.containerConfig(container);
            Properties spec = new Properties();
            spec.setProperty("store", store.root.toString());
            spec.setProperty("upper", c.getProperty("upper"));
            spec.setProperty("label", "commit of " + container);
            spec.setProperty("name", name);
            Spec.putList(spec, "parent", Store.layersOf(c));
            return Launcher.runInside("commit", spec);
        }
    }

    // ---- ps ---------------------------------------------------------------------------------------

    @Command(name = "ps", mixinStandardHelpOptions = true, description = "List containers (running or stopped, with their uppers).")
    static final class Ps implements Callable<Integer> {
        @ParentCommand RuntimeMain parent;

        @Override
        public Integer call() {
            Store store = parent.store();
            System.out.printf("%-20s %-8s  %-16s  %s%n", "NAME", "STATUS", "CREATED", "LAYERS");
            for (String n : store.containerNames()) {
                Properties c = store.containerConfig(n);
                System.out.printf("%-20s %-8s  %-16s  %s%n", n, store.running(n) ? "running" : "stopped",
                        Format.time(c.getProperty("created")), describe(store, c));
            }
            return 0;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = RuntimeMain.class.getPackage().getImplementationVersion();
            return new String[] {"runtime (fuse-overlay) " + (v != null ? v : "0.1.0")};
        }
    }
}
