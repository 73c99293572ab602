/*
 * A watchdog device for sbd where this machine has none (no /dev/watchdog, no softdog module),
 * preloaded into sbd by tests-c/sbd-suite.sh:
 *
 *   LD_PRELOAD=fake_watchdog.so PCMKRS_FAKE_WATCHDOG=/dev/watchdog \
 *       PCMKRS_FAKE_WATCHDOG_LOG=FILE sbd ...
 *
 * The device named by PCMKRS_FAKE_WATCHDOG opens as /dev/null and answers the kernel watchdog
 * API as a driver would: WDIOC_SETTIMEOUT arms it, WDIOC_KEEPALIVE or any write feeds it, a
 * write of "V" or WDIOC_SETOPTIONS with WDIOS_DISABLECARD stops it. When it is not fed within
 * its timeout it "resets the machine": it writes "fired" to the log and SIGKILLs the process
 * group of the process that opened it (sbd runs in a session of its own). reboot(2) does the
 * same ("reboot"), so that sbd's own fencing path ends sbd, not the machine. Every event is one
 * line of FILE: "PID EVENT ...".
 *
 * Only the calls sbd makes are wrapped (open, write, ioctl, close, reboot); every other
 * descriptor and path goes to the C library untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int wd_fd = -1;           /* the descriptor that stands for the device */
static int wd_timeout;           /* seconds; 0 = not armed */
static struct timespec wd_due;   /* when it fires unless fed */
static unsigned long feeds;
static int timer_started;
static pid_t timer_owner;        /* the process the timer thread runs in */

static void note(const char *fmt, ...)
{
    const char *path = getenv("PCMKRS_FAKE_WATCHDOG_LOG");
    char line[256];
    int n = snprintf(line, sizeof(line), "%d ", (int)getpid());
    va_list ap;

    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 2) {
        n = sizeof(line) - 2;
    }
    line[n++] = '\n';
    if (path != NULL) {
        int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
        ssize_t (*real_write)(int, const void *, size_t) = dlsym(RTLD_NEXT, "write");
        int (*real_close)(int) = dlsym(RTLD_NEXT, "close");
        int fd = real_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

        if (fd >= 0) {
            (void)real_write(fd, line, n);
            real_close(fd);
        }
    }
}

static void reset(const char *why)
{
    note("%s", why);
    killpg(getpgrp(), SIGKILL);
    _exit(1);
}

static void *timer(void *unused);

/* a child of the process that holds the device: the lock free (the timer thread that may have
 * held it is not there), the device not its own (sbd's servants never touch it) */
static void forked_child(void)
{
    pthread_mutex_init(&lock, NULL);
    wd_fd = -1;
    wd_timeout = 0;
    timer_started = 0;
}

__attribute__((constructor)) static void setup(void)
{
    pthread_atfork(NULL, NULL, forked_child);
}

/* the timer runs in the process that feeds (sbd may open the device, then fork) */
static void ensure_timer_locked(void)
{
    if (!timer_started || timer_owner != getpid()) {
        pthread_condattr_t attr;
        pthread_t thread;

        /* the deadline is on the monotonic clock */
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&changed, &attr);
        pthread_condattr_destroy(&attr);
        if (pthread_create(&thread, NULL, timer, NULL) == 0) {
            pthread_detach(thread);
            timer_started = 1;
            timer_owner = getpid();
        } else {
            note("could not start the timer");
        }
    }
}

static void feed_locked(void)
{
    feeds++;
    if (wd_timeout > 0) {
        ensure_timer_locked();
        clock_gettime(CLOCK_MONOTONIC, &wd_due);
        wd_due.tv_sec += wd_timeout;
        pthread_cond_broadcast(&changed);
    }
}

static void arm_locked(int seconds)
{
    wd_timeout = seconds;
    feed_locked();
}

static void *timer(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&lock);
    for (;;) {
        if (wd_timeout <= 0) {
            pthread_cond_wait(&changed, &lock);
            continue;
        }
        struct timespec due = wd_due;
        if (pthread_cond_timedwait(&changed, &lock, &due) == ETIMEDOUT && wd_timeout > 0) {
            struct timespec now;

            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec > wd_due.tv_sec
                || (now.tv_sec == wd_due.tv_sec && now.tv_nsec >= wd_due.tv_nsec)) {
                char why[96];

                snprintf(why, sizeof(why), "fired: not fed for %d s (%lu feeds before)",
                         wd_timeout, feeds);
                reset(why);
            }
        }
    }
    return NULL;
}

int open(const char *path, int flags, ...)
{
    static int (*real_open)(const char *, int, ...);
    const char *dev = getenv("PCMKRS_FAKE_WATCHDOG");
    mode_t mode = 0;

    if (real_open == NULL) {
        real_open = dlsym(RTLD_NEXT, "open");
    }
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
        va_list ap;

        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    if (dev != NULL && strcmp(path, dev) == 0) {
        int fd = real_open("/dev/null", O_WRONLY | O_CLOEXEC);

        pthread_mutex_lock(&lock);
        wd_fd = fd;
        pthread_mutex_unlock(&lock);
        note("opened %s", path);
        return fd;
    }
    return real_open(path, flags, mode);
}

ssize_t write(int fd, const void *buf, size_t count)
{
    static ssize_t (*real_write)(int, const void *, size_t);

    if (real_write == NULL) {
        real_write = dlsym(RTLD_NEXT, "write");
    }
    if (fd >= 0 && fd == wd_fd) {
        pthread_mutex_lock(&lock);
        if (count > 0 && memchr(buf, 'V', count) != NULL) {
            wd_timeout = 0;
            pthread_cond_broadcast(&changed);
            pthread_mutex_unlock(&lock);
            note("stopped (magic close) after %lu feeds", feeds);
            return (ssize_t)count;
        }
        feed_locked();
        pthread_mutex_unlock(&lock);
        return (ssize_t)count;
    }
    return real_write(fd, buf, count);
}

int ioctl(int fd, unsigned long request, ...)
{
    static int (*real_ioctl)(int, unsigned long, ...);
    va_list ap;
    void *arg;

    if (real_ioctl == NULL) {
        real_ioctl = dlsym(RTLD_NEXT, "ioctl");
    }
    va_start(ap, request);
    arg = va_arg(ap, void *);
    va_end(ap);
    if (fd < 0 || fd != wd_fd) {
        return real_ioctl(fd, request, arg);
    }
    if (arg == NULL) {
        errno = EFAULT;
        return -1;
    }
    switch (request) {
    case WDIOC_SETTIMEOUT:
        if (*(int *)arg <= 0) {
            errno = EINVAL;
            return -1;
        }
        pthread_mutex_lock(&lock);
        arm_locked(*(int *)arg);
        pthread_mutex_unlock(&lock);
        note("armed: %d s", *(int *)arg);
        return 0;
    case WDIOC_GETTIMEOUT:
        pthread_mutex_lock(&lock);
        *(int *)arg = wd_timeout;
        pthread_mutex_unlock(&lock);
        return 0;
    case WDIOC_KEEPALIVE:
        pthread_mutex_lock(&lock);
        feed_locked();
        pthread_mutex_unlock(&lock);
        return 0;
    case WDIOC_SETOPTIONS:
        if (*(int *)arg & WDIOS_DISABLECARD) {
            pthread_mutex_lock(&lock);
            wd_timeout = 0;
            pthread_cond_broadcast(&changed);
            pthread_mutex_unlock(&lock);
            note("stopped (disabled) after %lu feeds", feeds);
        }
        return 0;
    case WDIOC_GETSUPPORT: {
        struct watchdog_info *info = arg;

        memset(info, 0, sizeof(*info));
        info->options = WDIOF_SETTIMEOUT | WDIOF_MAGICCLOSE | WDIOF_KEEPALIVEPING;
        snprintf((char *)info->identity, sizeof(info->identity), "pcmkrs fake watchdog");
        return 0;
    }
    default:
        errno = ENOTTY;
        return -1;
    }
}

int close(int fd)
{
    static int (*real_close)(int);

    if (real_close == NULL) {
        real_close = dlsym(RTLD_NEXT, "close");
    }
    if (fd >= 0 && fd == wd_fd) {
        pthread_mutex_lock(&lock);
        wd_fd = -1;
        pthread_mutex_unlock(&lock);
        /* as a driver without nowayout: still counting unless stopped */
        note("closed, %s", wd_timeout > 0 ? "still armed" : "stopped");
    }
    return real_close(fd);
}

int reboot(int how)
{
    char why[64];

    snprintf(why, sizeof(why), "reboot: called (0x%x)", (unsigned)how);
    reset(why);
    return -1;
}
