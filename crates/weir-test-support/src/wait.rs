//! Waiting for an application to reach a state, in one copy for the tests
//! (through the AWS SDK) and the benchmarks (through their own signed raw
//! client): look with DescribeApplication at a given pace, record each
//! change of what is seen and when, stop when the caller's verdict says the
//! state is reached or has failed, or when the time is up.
//!
//! The transport is the [`Describe`] trait: implemented here for the SDK's
//! `aws_sdk_kinesisanalyticsv2::Client`, and by the benchmark for its raw
//! client. The pace is the caller's ([`Pace`]): a benchmark's poll interval
//! is part of its figures, a test's is part of its timing.

use std::future::Future;
use std::time::{Duration, Instant};

/// What one DescribeApplication says that waits look at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Look {
    /// `ApplicationStatus` as the API spells it (`"RUNNING"`).
    pub status: String,
    /// `CurrentParallelism` of the parallelism configuration, if any.
    pub parallelism: Option<u64>,
}

/// DescribeApplication of one application, however it is sent.
pub trait Describe {
    type Error;
    fn look(&mut self, app: &str) -> impl Future<Output = Result<Look, Self::Error>> + Send;
}

/// How often a wait looks.
#[derive(Clone, Copy, Debug)]
pub enum Pace {
    /// Sleeps this long after each look (the tests).
    After(Duration),
    /// Looks on a fixed tick from the start, whatever a look took (the
    /// benchmarks: a measure is never late by more than one tick).
    Ticks(Duration),
}

/// The verdict on one look.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The state waited for.
    Reached,
    /// Not yet.
    Wait,
    /// A state that will not lead there: the wait fails at once.
    Failed,
}

/// What a wait saw of one application: each change of [`Look`], with the
/// seconds since the wait's start at which it was first seen; when its last
/// look was made; and whether the verdict said [`Verdict::Reached`].
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub changes: Vec<(Look, f64)>,
    /// Seconds since the start when the last look at it was made (the one
    /// that reached the state, on success).
    pub at: f64,
    pub reached: bool,
}

impl Seen {
    /// The statuses seen, each change once, with when it was first seen.
    pub fn statuses(&self) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = Vec::new();
        for (look, at) in &self.changes {
            if out.last().map(|(s, _)| s) != Some(&look.status) {
                out.push((look.status.clone(), *at));
            }
        }
        out
    }

    /// The last look.
    pub fn last(&self) -> Option<&Look> {
        self.changes.last().map(|(look, _)| look)
    }
}

/// Why a wait ended without its state.
#[derive(Debug)]
pub enum Missed<E> {
    /// The verdict on the application at this index (0 for [`wait_until`])
    /// was [`Verdict::Failed`].
    Failed(usize),
    /// `timeout` passed.
    TimedOut,
    /// A look could not be made.
    Error(E),
}

/// Looks at `app` through `client` at `pace` until `verdict` says
/// [`Verdict::Reached`] or [`Verdict::Failed`], or until `timeout` after
/// `start` has passed. [`wait_all`] of one application.
pub async fn wait_until<D: Describe>(
    client: &mut D,
    app: &str,
    start: Instant,
    timeout: Duration,
    pace: Pace,
    mut verdict: impl FnMut(&Look) -> Verdict,
) -> Result<Seen, (Missed<D::Error>, Seen)> {
    let one = |mut all: Vec<Seen>| all.pop().unwrap_or_default();
    match wait_all(client, &[app], start, timeout, pace, |_, look| {
        verdict(look)
    })
    .await
    {
        Ok(all) => Ok(one(all)),
        Err((why, all)) => Err((why, one(all))),
    }
}

/// Looks at each of `apps` in turn through `client`, a round at `pace`,
/// until `verdict` (given the application's index and look) says
/// [`Verdict::Reached`] for each (one reached is not looked at again), or
/// [`Verdict::Failed`] for one (the wait fails at once), or `timeout` after
/// `start` has passed at the end of a round. A look comes first, then the
/// verdict, then the clock: a state reached late still counts. Returns what
/// was seen of each application, in the order of `apps`.
pub async fn wait_all<D: Describe, A: AsRef<str>>(
    client: &mut D,
    apps: &[A],
    start: Instant,
    timeout: Duration,
    pace: Pace,
    mut verdict: impl FnMut(usize, &Look) -> Verdict,
) -> Result<Vec<Seen>, (Missed<D::Error>, Vec<Seen>)> {
    let mut seen: Vec<Seen> = apps.iter().map(|_| Seen::default()).collect();
    let mut tick = start;
    loop {
        for (i, app) in apps.iter().enumerate() {
            if seen[i].reached {
                continue;
            }
            let look = match client.look(app.as_ref()).await {
                Ok(look) => look,
                Err(e) => return Err((Missed::Error(e), seen)),
            };
            let at = start.elapsed().as_secs_f64();
            let s = &mut seen[i];
            s.at = at;
            if s.last() != Some(&look) {
                s.changes.push((look.clone(), at));
            }
            match verdict(i, &look) {
                Verdict::Reached => s.reached = true,
                Verdict::Failed => return Err((Missed::Failed(i), seen)),
                Verdict::Wait => {}
            }
        }
        if seen.iter().all(|s| s.reached) {
            return Ok(seen);
        }
        if start.elapsed() > timeout {
            return Err((Missed::TimedOut, seen));
        }
        match pace {
            Pace::After(every) => tokio::time::sleep(every).await,
            Pace::Ticks(every) => {
                tick += every;
                tokio::time::sleep_until(tick.into()).await;
            }
        }
    }
}

/// The common verdict: `want` is reached, a status in `failed` fails.
pub fn status_is<'a>(want: &'a str, failed: &'a [&'a str]) -> impl Fn(&Look) -> Verdict + 'a {
    move |look| {
        if look.status == want {
            Verdict::Reached
        } else if failed.contains(&look.status.as_str()) {
            Verdict::Failed
        } else {
            Verdict::Wait
        }
    }
}

impl Describe for aws_sdk_kinesisanalyticsv2::Client {
    /// `DescribeApplication <app>: <the SDK's error>`.
    type Error = String;

    fn look(&mut self, app: &str) -> impl Future<Output = Result<Look, String>> + Send {
        let request = self.describe_application().application_name(app);
        let app = app.to_string();
        async move {
            let detail = request
                .send()
                .await
                .map_err(|e| format!("DescribeApplication {app}: {e:?}"))?
                .application_detail
                .ok_or_else(|| format!("DescribeApplication {app}: no ApplicationDetail"))?;
            let parallelism = detail
                .application_configuration_description
                .as_ref()
                .and_then(|c| c.flink_application_configuration_description.as_ref())
                .and_then(|f| f.parallelism_configuration_description.as_ref())
                .and_then(|p| p.current_parallelism)
                .map(|p| p as u64);
            Ok(Look {
                status: detail.application_status.as_str().to_string(),
                parallelism,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Answers each application a script of statuses, its last one for ever.
    struct Script(HashMap<&'static str, Vec<&'static str>>);

    fn script(apps: &[(&'static str, Vec<&'static str>)]) -> Script {
        Script(apps.iter().cloned().collect())
    }

    impl Describe for Script {
        type Error = String;
        fn look(&mut self, app: &str) -> impl Future<Output = Result<Look, String>> + Send {
            let answer = match self.0.get_mut(app) {
                Some(list) if list.len() > 1 => Ok(list.remove(0)),
                Some(list) => Ok(list[0]),
                None => Err(format!("no application {app}")),
            };
            async move {
                Ok(Look {
                    status: answer?.to_string(),
                    parallelism: Some(1),
                })
            }
        }
    }

    async fn wait(
        statuses: Vec<&'static str>,
        pace: Pace,
        timeout: Duration,
    ) -> Result<Seen, (Missed<String>, Seen)> {
        let verdict = status_is("RUNNING", &["READY"]);
        let mut client = script(&[("a", statuses)]);
        wait_until(&mut client, "a", Instant::now(), timeout, pace, verdict).await
    }

    fn names(seen: &Seen) -> Vec<String> {
        seen.statuses().into_iter().map(|(s, _)| s).collect()
    }

    #[tokio::test]
    async fn a_wait_records_each_change_and_ends_on_the_verdict() {
        let ticks = Pace::Ticks(Duration::from_millis(1));
        let after = Pace::After(Duration::from_millis(1));
        let long = Duration::from_secs(5);
        let seen = wait(vec!["STARTING", "STARTING", "RUNNING"], ticks, long)
            .await
            .expect("reached");
        assert_eq!(names(&seen), ["STARTING", "RUNNING"]);
        assert!(seen.reached);
        assert_eq!(seen.at, seen.changes.last().unwrap().1);

        let (why, seen) = wait(vec!["STARTING", "READY"], after, long)
            .await
            .expect_err("failed");
        assert!(matches!(why, Missed::Failed(0)));
        assert_eq!(seen.last().unwrap().status, "READY");

        let (why, seen) = wait(vec!["STARTING"], after, Duration::from_millis(5))
            .await
            .expect_err("timed out");
        assert!(matches!(why, Missed::TimedOut));
        assert!(!seen.reached);
        assert!(seen.at >= 0.005, "the clock is read after the last look");
    }

    /// [`wait_all`] of `a` and `b` (or `x`, which is not there) until
    /// RUNNING, failing on READY.
    async fn wait_ab(
        apps: &[(&'static str, Vec<&'static str>)],
        names: &[&str],
    ) -> Result<Vec<Seen>, (Missed<String>, Vec<Seen>)> {
        let after = Pace::After(Duration::from_millis(1));
        let verdict = status_is("RUNNING", &["READY"]);
        let long = Duration::from_secs(5);
        let now = Instant::now();
        wait_all(&mut script(apps), names, now, long, after, |_, l| {
            verdict(l)
        })
        .await
    }

    #[tokio::test]
    async fn a_wait_for_several_looks_only_at_those_not_there_yet() {
        let a_then_b = [
            ("a", vec!["RUNNING", "READY"]),
            ("b", vec!["STARTING", "STARTING", "RUNNING"]),
        ];
        let seen = wait_ab(&a_then_b, &["a", "b"]).await.expect("all RUNNING");
        assert_eq!(names(&seen[0]), ["RUNNING"], "a is not looked at again");
        assert_eq!(names(&seen[1]), ["STARTING", "RUNNING"]);

        let b_fails = [("a", vec!["STARTING"]), ("b", vec!["STARTING", "READY"])];
        let (why, _) = wait_ab(&b_fails, &["a", "b"]).await.expect_err("b failed");
        assert!(matches!(why, Missed::Failed(1)));

        let (why, _) = wait_ab(&[("a", vec!["STARTING"])], &["a", "x"])
            .await
            .expect_err("x is not there");
        assert!(matches!(why, Missed::Error(e) if e == "no application x"));
    }
}
