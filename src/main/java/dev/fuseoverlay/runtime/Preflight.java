package dev.fuseoverlay.runtime;

import dev.fuseoverlay.realfs.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Checks, before anything is created or mounted, what a rootless run needs from the machine. Each problem
 * is one line that says what is wrong and how to fix it.
 */
public final class Preflight {
    private Preflight() {}

    /** The user's first subordinate range from /etc/subuid or /etc/subgid, as unshare --map-auto uses it. */
    record SubRange(long start, long count) {}

    /**
     * Everything a run needs ({@code fuse}: /dev/fuse and bwrap too), or only what work in a user namespace
     * needs (import, commit, rm).
     */
    public static List<String> problems(boolean fuse) {
        List<String> p = new ArrayList<>();
        int uid = Posix.C.getuid();
        String user = userName();
        String who = user + " (uid " + uid + ")";
        String unshare = which("unshare");
        if (unshare == null) {
            p.add("unshare not found: install the Debian package util-linux (2.38 or newer)");
        } else if (!helpMentions(unshare, "--map-auto")) {
            p.add(unshare + " has no --map-auto option: util-linux 2.38 or newer is needed (Debian 12 has it)");
        }
        for (String tool : List.of("newuidmap", "newgidmap")) {
            String path = which(tool);
            if (path == null) {
                p.add(tool + " not found: install the Debian package uidmap (as root: apt-get install uidmap)");
            } else if (!setuidOrCaps(path)) {
                p.add(path + " is neither setuid root nor has file capabilities: reinstall the package uidmap");
            }
        }
        for (String file : List.of("/etc/subuid", "/etc/subgid")) {
            SubRange r = subRange(file, user, uid);
            String kind = file.endsWith("uid") ? "UID" : "GID";
            if (r == null) {
                p.add("no subordinate " + kind + " range for " + who + " in " + file
                        + ": as root run: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 " + user);
            } else if (r.count < 65536) {
                System.err.println("runtime: warning: " + file + " gives " + user + " only " + r.count + " subordinate "
                        + kind + "s; container " + kind + "s above " + (r.count - 1) + " will not work (65536 is usual)");
            }
        }
        String userns = usernsProblem(unshare);
        if (userns != null) {
            p.add(userns);
        }
        if (fuse) {
            String dev = devFuseProblem(user);
            if (dev != null) {
                p.add(dev);
            }
            if (which("bwrap") == null) {
                p.add("bwrap not found: install the Debian package bubblewrap (as root: apt-get install bubblewrap)");
            }
            for (String tool : List.of("setsid", "setpriv")) {
                if (which(tool) == null) {
                    p.add(tool + " not found: install the Debian package util-linux");
                }
            }
        }
        return dedupe(p);
    }

    /** Throws with every problem (each printed as its own line) if there is any. */
    public static void require(boolean fuse) {
        List<String> p = problems(fuse);
        if (!p.isEmpty()) {
            throw new RuntimeException125(String.join("\nruntime: ", p));
        }
    }

    static String devFuseProblem(String user) {
        Path dev = Path.of("/dev/fuse");
        if (!Files.exists(dev)) {
            return "/dev/fuse does not exist: as root run: modprobe fuse (in a container, pass the device: --device /dev/fuse)";
        }
        int fd = Native.C.open(Native.cstr("/dev/fuse"), Native.O_RDWR | Native.O_CLOEXEC, 0);
        if (fd >= 0) {
            Native.C.close(fd);
            return null;
        }
        int e = Native.errno();
        String mode = "";
        try {
            mode = " (c" + java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dev)) + " "
                    + Files.getOwner(dev).getName() + " "
                    + ((java.nio.file.attribute.GroupPrincipal) Files.getAttribute(dev, "posix:group")).getName() + ")";
        } catch (IOException | UnsupportedOperationException x) {
            // no detail
        }
        return "/dev/fuse is not usable by " + user + ": " + Native.strerror(e) + mode
                + "; as root run: chmod 0666 /dev/fuse (the usual mode), or: setfacl -m u:" + user + ":rw /dev/fuse";
    }

    static String usernsProblem(String unshare) {
        String max = sysctl("/proc/sys/user/max_user_namespaces");
        if ("0".equals(max)) {
            return "user namespaces are disabled (user.max_user_namespaces = 0): as root run: sysctl -w user.max_user_namespaces=15000";
        }
        if ("0".equals(sysctl("/proc/sys/kernel/unprivileged_userns_clone"))) {
            return "unprivileged user namespaces are disabled: as root run: sysctl -w kernel.unprivileged_userns_clone=1";
        }
        if (unshare == null) {
            return null;
        }
        String apparmor = "1".equals(sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"))
                ? " (AppArmor restricts them: as root run: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)" : "";
        try {
            Process pr = new ProcessBuilder(unshare, "--user", "--map-root-user", "true")
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true).start();
            String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!pr.waitFor(10, TimeUnit.SECONDS)) {
                pr.destroyForcibly();
                return "user namespaces: '" + unshare + " --user' did not finish";
            }
            if (pr.exitValue() != 0) {
                return "cannot create a user namespace: " + (out.isEmpty() ? "unshare failed" : out.replace('\n', ' ')) + apparmor;
            }
        } catch (IOException e) {
            return "cannot run " + unshare + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    /** The first range for the user (by name or numeric ID), the one unshare --map-auto and newuidmap use. */
    static SubRange subRange(String file, String user, int uid) {
        try {
            return parseSubRange(Files.readString(Path.of(file), StandardCharsets.UTF_8), user, uid);
        } catch (IOException e) {
            return null;
        }
    }

    static SubRange parseSubRange(String text, String user, int uid) {
        for (String line : text.split("\n")) {
            String[] f = line.trim().split(":");
            if (f.length != 3 || !(f[0].equals(user) || f[0].equals(Integer.toString(uid)))) {
                continue;
            }
            try {
                long start = Long.parseLong(f[1].trim()), count = Long.parseLong(f[2].trim());
                if (count > 0) {
                    return new SubRange(start, count);
                }
            } catch (NumberFormatException e) {
                // skip a broken line
            }
        }
        return null;
    }

    static String userName() {
        String n = System.getProperty("user.name");
        return n == null || n.isEmpty() || n.equals("?") ? Integer.toString(Posix.C.getuid()) : n;
    }

    /** The executable's path on $PATH (or the usual system directories), or null. */
    public static String which(String tool) {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(":")));
        }
        dirs.addAll(List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Path.of(d, tool);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static boolean setuidOrCaps(String path) {
        dev.fuseoverlay.realfs.Stat st = new dev.fuseoverlay.realfs.RealFs(null).lstat(realPath(path));
        if (st != null && (st.mode & dev.fuseoverlay.realfs.Stat.S_ISUID) != 0 && st.uid == 0) {
            return true;
        }
        return new dev.fuseoverlay.realfs.RealFs(null).getxattr(realPath(path), "security.capability") != null;
    }

    private static String realPath(String p) {
        try {
            return Path.of(p).toRealPath().toString();
        } catch (IOException e) {
            return p;
        }
    }

    private static boolean helpMentions(String tool, String option) {
        try {
            Process pr = new ProcessBuilder(tool, "--help").redirectErrorStream(true).start();
            String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            pr.waitFor(10, TimeUnit.SECONDS);
            return out.contains(option);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private static String sysctl(String path) {
        try {
            return Files.readString(Path.of(path), StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static List<String> dedupe(List<String> p) {
        return new ArrayList<>(new LinkedHashSet<>(p));
    }
}
