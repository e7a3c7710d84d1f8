package dev.fuseoverlay.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --user UID[:GID]} or {@code NAME[:GROUP]}, resolved against the container's /etc/passwd and
 * /etc/group; {@code groups} are the supplementary groups (the primary one and every group that lists
 * the user), as login would set them.
 */
public record ContainerUser(int uid, int gid, String home, List<Integer> groups) {

    public ContainerUser(int uid, int gid, String home) {
        this(uid, gid, home, List.of(gid));
    }

    public static ContainerUser resolve(String spec, Path rootfs) {
        List<String> passwd = lines(rootfs.resolve("etc/passwd"));
        List<String> group = lines(rootfs.resolve("etc/group"));
        String u = spec == null || spec.isEmpty() ? "0" : spec;
        String g = null;
        int colon = u.indexOf(':');
        if (colon >= 0) {
            g = u.substring(colon + 1);
            u = u.substring(0, colon);
        }
        String[] pw = null;
        Integer uid = number(u);
        for (String line : passwd) {
            String[] f = line.split(":", -1);
            if (f.length >= 6 && (uid != null ? f[2].equals(Integer.toString(uid)) : f[0].equals(u))) {
                pw = f;
                break;
            }
        }
        if (uid == null) {
            if (pw == null) {
                throw new RuntimeException125("user '" + u + "' is not in the container's /etc/passwd");
            }
            uid = Integer.parseInt(pw[2]);
        }
        int gid;
        if (g == null || g.isEmpty()) {
            gid = pw != null ? Integer.parseInt(pw[3]) : 0;
        } else {
            Integer n = number(g);
            if (n == null) {
                n = null;
                for (String line : group) {
                    String[] f = line.split(":", -1);
                    if (f.length >= 3 && f[0].equals(g)) {
                        n = Integer.parseInt(f[2]);
                        break;
                    }
                }
                if (n == null) {
                    throw new RuntimeException125("group '" + g + "' is not in the container's /etc/group");
                }
            }
            gid = n;
        }
        String home = pw != null && !pw[5].isEmpty() ? pw[5] : uid == 0 ? "/root" : "/";
        java.util.TreeSet<Integer> groups = new java.util.TreeSet<>(List.of(gid));
        if (pw != null) {
            for (String line : group) {
                String[] f = line.split(":", -1);
                if (f.length >= 4 && number(f[2]) != null && java.util.Arrays.asList(f[3].split(",")).contains(pw[0])) {
                    groups.add(number(f[2]));
                }
            }
        }
        return new ContainerUser(uid, gid, home, List.copyOf(groups));
    }

    private static Integer number(String s) {
        if (s.isEmpty() || !s.chars().allMatch(Character::isDigit) || s.length() > 10) {
            return null;
        }
        long v = Long.parseLong(s);
        if (v > Integer.MAX_VALUE) {
            throw new RuntimeException125("ID " + s + " is out of range");
        }
        return (int) v;
    }

    private static List<String> lines(Path p) {
        try {
            return Files.readAllLines(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return List.of();
        }
    }
}
