//! Concurrency (issue 7): many clients racing on one application through
//! the real server and the official SDK. Conflicting updates of one version
//! are decided once: exactly one wins, every other gets
//! ConcurrentModificationException, and nothing is half-applied.

use aws_sdk_kinesisanalyticsv2::error::ProvideErrorMetadata;
use aws_sdk_kinesisanalyticsv2::primitives::Blob;
use aws_sdk_kinesisanalyticsv2::types::{
    ApplicationCodeConfiguration, ApplicationConfiguration, CodeContent, CodeContentType,
    RuntimeEnvironment,
};
use weir_test_support::server::*;

const RACERS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_conflicting_updates_of_one_version_have_exactly_one_winner() {
    let weir = Weir::start();
    let client = weir.client();
    let name = "contended";
    client
        .create_application()
        .application_name(name)
        .runtime_environment(RuntimeEnvironment::Flink120)
        .service_execution_role(ROLE)
        .application_configuration(
            ApplicationConfiguration::builder()
                .application_code_configuration(
                    ApplicationCodeConfiguration::builder()
                        .code_content_type(CodeContentType::Zipfile)
                        .code_content(
                            CodeContent::builder()
                                .zip_file_content(Blob::new(b"PK\x03\x04 racing".to_vec()))
                                .build(),
                        )
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .expect("CreateApplication");

    // Every racer asks for version 1 to become its own role: all start
    // together, so the server sees them interleaved.
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..RACERS {
        let client = client.clone();
        let start = start.clone();
        racers.spawn(async move {
            start.wait().await;
            let role = format!("arn:aws:iam::000000000000:role/racer-{i}");
            let result = client
                .update_application()
                .application_name(name)
                .current_application_version_id(1)
                .service_execution_role_update(&role)
                .send()
                .await;
            (role, result.map_err(|e| e.into_service_error()))
        });
    }
    let mut winners = Vec::new();
    let mut refusals = 0;
    while let Some(joined) = racers.join_next().await {
        let (role, result) = joined.expect("racer task");
        match result {
            Ok(out) => {
                let detail = out.application_detail.expect("ApplicationDetail");
                assert_eq!(detail.application_version_id, 2);
                winners.push(role);
            }
            Err(e) => {
                assert!(
                    e.is_concurrent_modification_exception(),
                    "a losing update must be ConcurrentModificationException, got {:?}: {:?}",
                    e.code(),
                    e.message()
                );
                refusals += 1;
            }
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(refusals, RACERS - 1);

    // The winner's change, and only it, is version 2; nothing else moved.
    let detail = client
        .describe_application()
        .application_name(name)
        .send()
        .await
        .unwrap()
        .application_detail
        .unwrap();
    assert_eq!(detail.application_version_id, 2);
    assert_eq!(detail.service_execution_role(), Some(winners[0].as_str()));
    let versions = client
        .list_application_versions()
        .application_name(name)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.application_version_summaries().len(), 2);
    let operations = client
        .list_application_operations()
        .application_name(name)
        .send()
        .await
        .unwrap();
    let updates = operations
        .application_operation_info_list()
        .iter()
        .filter(|o| o.operation() == Some("UpdateApplication"))
        .count();
    assert_eq!(updates, 1, "one UpdateApplication operation recorded");
}
