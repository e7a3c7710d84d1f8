package dev.fuseoverlay.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The mount command line, read without picocli. Picocli's classes are Java 5 class files: class-data sharing
 * cannot archive them and the JVM verifies them the old, slow way, which cost every mount about 90 ms of its
 * start-up (about a third of mount-to-ready) for a command line of a few fixed forms. This reads exactly those
 * forms, the way picocli reads them into {@link Main}'s fields ({@code MountLineTest} holds the two side by
 * side); anything else (help, version, a subcommand's name anywhere, clustered, unknown, repeated or
 * {@code =}-joined options, a value that looks like an option, {@code --}, more than two operands) is left to
 * picocli.
 */
final class MountLine {
    /** Main's subcommands and their aliases (MountLineTest holds this to picocli's list). */
    static final Set<String> SUBCOMMANDS = Set.of("tour", "explain", "diff", "layers", "df");

    private MountLine() {}

    /** The command as picocli would fill it, or null where picocli must parse it. */
    static Main parse(String[] args) {
        Main m = new Main();
        List<String> operands = new ArrayList<>();
        int f = 0, d = 0, serve = 0;
        for (String a : args) {
            if (SUBCOMMANDS.contains(a)) {
                return null; // picocli takes it for the subcommand wherever it stands
            }
            f += a.equals("-f") ? 1 : 0;
            d += a.equals("-d") || a.equals("--debug") ? 1 : 0;
            serve += a.equals("--serve") ? 1 : 0;
        }
        if (f > 1 || d > 1 || serve > 1) {
            return null; // an option given twice: picocli says so
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-f" -> m.foreground = true;
                case "-d", "--debug" -> m.debugFlag = true;
                case "--serve" -> m.serve = true;
                case "-o", "--trace" -> {
                    if (i + 1 == args.length || args[i + 1].startsWith("-") || a.equals("--trace") && m.traceFile != null) {
                        return null;
                    }
                    if (a.equals("-o")) {
                        m.options.add(args[++i]);
                    } else {
                        m.traceFile = args[++i];
                    }
                }
                default -> {
                    if (a.startsWith("-o") && a.charAt(2) != '=' && a.charAt(2) != '-') {
                        m.options.add(a.substring(2));
                    } else if (a.startsWith("-")) {
                        return null;
                    } else {
                        operands.add(a);
                    }
                }
            }
        }
        if (operands.size() > 2) {
            return null;
        }
        m.positional.addAll(operands);
        return m;
    }
}
