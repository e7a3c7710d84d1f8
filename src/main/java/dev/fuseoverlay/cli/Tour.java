package dev.fuseoverlay.cli;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/**
 * {@code fuse-overlay tour}: the classic overlay experiments, run for real on temporary layers through real
 * mounts, in a private mount namespace so nothing can leak. The steps live in tour.sh beside this class.
 */
@Command(name = "tour", description = "A narrated walk through real overlay experiments on temporary layers.")
final class Tour implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    HelpOption help;

    @picocli.CommandLine.Option(names = "--step", description = "pause for Enter between steps")
    boolean step;

    @picocli.CommandLine.Option(names = "--keep", paramLabel = "DIR", description = "leave the layers in DIR for inspection")
    String keep;

    @Override
    public Integer call() throws Exception {
        if (keep != null) {
            Path k = Path.of(keep);
            boolean usable = !Files.exists(k, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (!usable && Files.isDirectory(k, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                try (var entries = Files.list(k)) {
                    usable = entries.findAny().isEmpty();
                }
            }
            if (!usable) {
                // the layers go into it: an existing file or a directory with contents would be mixed in
                throw new dev.fuseoverlay.options.OptionsException("--keep " + keep + ": must be a new or empty directory");
            }
        }
        String self = System.getenv("FUSE_OVERLAY_SELF");
        if (self == null) {
            System.err.println("fuse-overlay: tour must be started through the fuse-overlay launcher");
            return 2;
        }
        Path script = Files.createTempFile("fuse-overlay-tour", ".sh");
        try {
            try (InputStream in = Tour.class.getResourceAsStream("tour.sh")) {
                Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            ProcessBuilder pb = new ProcessBuilder("unshare", "-m", "--propagation", "private", "bash", script.toString())
                    .inheritIO();
            pb.environment().put("SELF", self);
            if (step) {
                pb.environment().put("STEP", "1");
            }
            if (keep != null) {
                pb.environment().put("KEEP", new java.io.File(keep).getAbsolutePath());
            }
            return pb.start().waitFor();
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
