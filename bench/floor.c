/* The file-system floor for bench/run.sh: writes the bytes of linkpage's
 * output to the same relative paths under a fresh directory, with nothing
 * else to do (no parsing, no rendering, no comparing).
 *
 *   floor LIST BLOB DEST [--syncfs]
 *
 * LIST has one "SIZE RELPATH" line per file; BLOB holds the files' bytes
 * back to back in the same order (both prepared from linkpage's output
 * before timing starts). BLOB is mapped, not copied. Each file costs one
 * open, one write and one close, plus a mkdir for every new directory.
 * --syncfs ends with one syncfs(), as linkpage does before it publishes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const char *path) {
  fprintf(stderr, "floor: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: floor LIST BLOB DEST [--syncfs]\n");
    return 2;
  }
  int do_sync = argc > 4 && strcmp(argv[4], "--syncfs") == 0;
  FILE *list = fopen(argv[1], "r");
  if (!list) die("open", argv[1]);
  int bfd = open(argv[2], O_RDONLY);
  if (bfd < 0) die("open", argv[2]);
  struct stat st;
  if (fstat(bfd, &st) != 0) die("stat", argv[2]);
  const char *blob = "";
  if (st.st_size > 0) {
    blob = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, bfd, 0);
    if (blob == MAP_FAILED) die("mmap", argv[2]);
  }
  if (mkdir(argv[3], 0755) != 0 && errno != EEXIST) die("mkdir", argv[3]);

  char last_dir[4096] = "";
  char path[8192];
  char rel[4096];
  long long size;
  off_t off = 0;
  size_t dlen = strlen(argv[3]);
  while (fscanf(list, "%lld %4095[^\n]\n", &size, rel) == 2) {
    snprintf(path, sizeof path, "%s/%s", argv[3], rel);
    char *slash = strrchr(rel, '/');
    if (slash) {
      size_t len = (size_t)(slash - rel);
      if (strncmp(last_dir, rel, len) != 0 || last_dir[len] != '\0') {
        memcpy(last_dir, rel, len);
        last_dir[len] = '\0';
        /* mkdir -p of the new directory, below DEST. */
        char *p = path + dlen + 1;
        for (; *p; ++p) {
          if (*p != '/') continue;
          *p = '\0';
          if (mkdir(path, 0755) != 0 && errno != EEXIST) die("mkdir", path);
          *p = '/';
        }
      }
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) die("open", path);
    const char *p = blob + off;
    long long left = size;
    while (left > 0) {
      ssize_t n = write(fd, p, (size_t)left);
      if (n < 0) {
        if (errno == EINTR) continue;
        die("write", path);
      }
      p += n;
      left -= n;
    }
    if (close(fd) != 0) die("close", path);
    off += size;
  }
  if (off != st.st_size) {
    fprintf(stderr, "floor: list and blob disagree (%lld of %lld bytes)\n",
            (long long)off, (long long)st.st_size);
    return 1;
  }
  if (do_sync) {
    int dfd = open(argv[3], O_RDONLY | O_DIRECTORY);
    if (dfd < 0 || syncfs(dfd) != 0) die("syncfs", argv[3]);
    close(dfd);
  }
  return 0;
}
