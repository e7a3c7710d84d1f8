/**
 * {@code ./bench}: fuse-overlay measured against native directories, kernel overlayfs, fuse-overlayfs and
 * unionfs-fuse on identical layers, as ratios, in a private mount namespace.
 *
 * <p>{@link dev.fuseoverlay.bench.BenchMain} is the command; {@link dev.fuseoverlay.bench.LayerBuilder} makes
 * the reproducible layers; {@link dev.fuseoverlay.bench.Impl} mounts each implementation;
 * {@link dev.fuseoverlay.bench.Workload} holds the workloads as small shell scripts;
 * {@link dev.fuseoverlay.bench.Schedule} alternates implementations round by round;
 * {@link dev.fuseoverlay.bench.Stats}, {@link dev.fuseoverlay.bench.TreeDigest} (the correctness guard),
 * {@link dev.fuseoverlay.bench.Json} and {@link dev.fuseoverlay.bench.SvgChart} are pure and unit-tested.
 * Nothing here knows FUSE: every filesystem is driven through ordinary tools run as child processes.
 */
package dev.fuseoverlay.bench;
