package dev.fuseoverlay.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The background server reads its command line without picocli: the same fields as picocli, or picocli's turn. */
class MainTest {
    private static final String O = "lowerdir=/l1:/l2,upperdir=/u,workdir=/w";

    /** What picocli makes of a command line, as one comparable list of the fields. */
    private static List<Object> picocli(String... args) {
        Main m = new Main();
        new CommandLine(m).setUnmatchedArgumentsAllowed(true).parseArgs(args);
        return fields(m);
    }

    private static List<Object> fields(Main m) {
        return List.of(m.options, m.foreground, m.debugFlag, String.valueOf(m.traceFile), m.serve, m.positional, m.unmatched);
    }

    @Test
    void whatAMountPassesIsReadWithoutPicocliAndMeansWhatPicocliReads() {
        String[][] lines = {
            {"--serve", "-o", O, "/mnt"},
            {"--serve", "-o", O, "-o", "ro,noatime", "/mnt"},
            {"--serve", "overlay", "/mnt", "-o", "rw," + O},          // as mount -t fuse.fuse-overlay runs it
            {"--serve", "-f", "-o", O, "/mnt"},
            {"--serve", "-d", "-o", O, "/mnt"},
            {"--serve", "--trace", "/tmp/t", "-o", O, "/mnt"},
            {"--serve", "-o", O, "/m n\u00e9t"},
            {"--serve", "/mnt"},
            {"--serve"},
        };
        for (String[] args : lines) {
            Main fast = Main.server(args);
            assertNotNull(fast, String.join(" ", args));
            assertEquals(picocli(args), fields(fast), String.join(" ", args));
        }
    }

    @Test
    void anyOtherFormIsLeftToPicocli() {
        String[][] lines = {
            {"-o", O, "/mnt"},                        // not the server
            {"--serve", "-o" + O, "/mnt"},            // attached value
            {"--serve", "-o", "-f", "/mnt"},          // a value that looks like an option
            {"--serve", "-o"},                        // no value
            {"--serve", "--trace", "-", "/mnt"},      // "-" is stderr for picocli to read
            {"--serve", "--trace=/tmp/t", "/mnt"},
            {"--serve", "-f", "-f", "/mnt"},          // twice: picocli's error
            {"--serve", "a", "b", "c"},               // a third operand: picocli's "unknown argument"
            {"--serve", "-x", "/mnt"},                // an unknown option: picocli's warning
            {"--serve", "--", "/mnt"},
            {"--serve", "", "/mnt"},
            {"--serve", "--help"},
            {"--serve", "tour"},                      // a subcommand
            {"--serve", "df"},
        };
        for (String[] args : lines) {
            assertNull(Main.server(args), String.join(" ", args));
        }
    }

    @Test
    void theSubcommandsItLeavesToPicocliAreEveryNamePicocliKnows() {
        Set<String> names = new TreeSet<>(new CommandLine(new Main()).getSubcommands().keySet());
        assertTrue(Set.copyOf(Main.SUBCOMMANDS).containsAll(names), names + " not all in " + Main.SUBCOMMANDS);
        assertTrue(names.contains("df") && names.contains("tour"), "aliases are keys too: " + names);
    }
}
