//! The tile cache, validators, versioned URLs and reload without restart.

mod common;

use cluster_atlas::server::AppState;
use common::{bundled_inputs, decode_tile, loaded_pool, send};

const DB: &str = "cache";

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn tiles_carry_validators_encodings_and_cache_headers() {
    let pool = loaded_pool(DB).await;
    let state = AppState::new(pool.clone(), None);
    let version: i64 = sqlx::query_scalar("select max(version) from atlas.data_version")
        .fetch_one(&pool)
        .await
        .unwrap();
    let url = "/tiles/wales/7/62/42";
    let first = send(&state, "GET", url, &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.headers["content-encoding"], "br");
    assert_eq!(first.headers["vary"], "Accept-Encoding");
    assert_eq!(first.headers["cache-control"], "public, max-age=300");
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with(&format!("\"v{version}-")));
    let gz = send(&state, "GET", url, &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.headers["content-encoding"], "gzip");
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz.body[..]), &mut raw).unwrap();
    assert!(decode_tile(&raw).len() > 100);
    let identity = send(&state, "GET", url, &[]).await;
    assert!(identity.headers.get("content-encoding").is_none());
    assert_eq!(identity.body, raw);
    // Revalidation.
    let again = send(&state, "GET", url, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    // Versioned URLs are immutable.
    let versioned = send(&state, "GET", &format!("{url}?v={version}"), &[]).await;
    assert_eq!(
        versioned.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let stale = send(&state, "GET", &format!("{url}?v=0"), &[]).await;
    assert_eq!(stale.headers["cache-control"], "public, max-age=300");
    // TileJSON hands out versioned URLs.
    let tj = send(&state, "GET", "/tiles/wales", &[]).await.json();
    assert_eq!(
        tj["tiles"][0],
        format!("http://atlas.test/tiles/wales/{{z}}/{{x}}/{{y}}?v={version}")
    );
    let tj = send(&state, "GET", "/tiles/clusters?indicator=copd", &[])
        .await
        .json();
    assert!(tj["tiles"][0]
        .as_str()
        .unwrap()
        .ends_with(&format!("&classes=5&v={version}")));
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn each_representation_has_its_own_validator_and_documents_revalidate() {
    let pool = loaded_pool(DB).await;
    let state = AppState::new(pool.clone(), None);
    let etag_of = |r: &common::Reply| r.headers["etag"].to_str().unwrap().to_owned();
    // A tile: identity, gzip and brotli bodies carry different strong ETags of one stem.
    let url = "/tiles/clusters/8/125/84";
    let identity = send(&state, "GET", url, &[]).await;
    let gzip = send(&state, "GET", url, &[("accept-encoding", "gzip")]).await;
    let brotli = send(&state, "GET", url, &[("accept-encoding", "br")]).await;
    let tags = [etag_of(&identity), etag_of(&gzip), etag_of(&brotli)];
    assert!(!tags[0].starts_with("W/"), "{tags:?}");
    assert_eq!(tags[1], format!("{}-gzip\"", &tags[0][..tags[0].len() - 1]));
    assert_eq!(tags[2], format!("{}-br\"", &tags[0][..tags[0].len() - 1]));
    for tag in &tags {
        let again = send(
            &state,
            "GET",
            url,
            &[("if-none-match", tag), ("accept-encoding", "gzip")],
        )
        .await;
        assert_eq!(again.status, 304, "{tag}");
        assert_eq!(&etag_of(&again), tag);
    }
    // Documents: ETag, Cache-Control and Vary, a 304 on revalidation in any coding, and a
    // new tag when the answer differs.
    let documents = [
        "/styles/indicator.json?indicator=copd",
        "/styles/deprivation.sld",
        "/tiles/wales",
        "/legends/deprivation.svg",
        "/legends/indicator.json?indicator=copd",
        "/data/copd",
        "/data/copd.csv",
        "/summary/wales",
        "/summary/wales.csv",
        "/profiles/W11000028",
        "/collections/clusters",
        "/indicators",
    ];
    for url in documents {
        let first = send(&state, "GET", url, &[]).await;
        assert_eq!(first.status, 200, "{url}");
        let tag = etag_of(&first);
        assert!(tag.starts_with('"') && tag.ends_with('"'), "{url}: {tag}");
        assert_eq!(
            first.headers["cache-control"], "public, max-age=300",
            "{url}"
        );
        assert!(
            first.headers["vary"]
                .to_str()
                .unwrap()
                .contains("Accept-Encoding"),
            "{url}"
        );
        let again = send(&state, "GET", url, &[("if-none-match", &tag)]).await;
        assert_eq!(again.status, 304, "{url}");
        assert!(again.body.is_empty(), "{url}");
        let gz = send(&state, "GET", url, &[("accept-encoding", "gzip")]).await;
        if gz.headers.get("content-encoding").is_some() {
            let gz_tag = etag_of(&gz);
            assert_ne!(gz_tag, tag, "{url}: a gzip body shares the identity ETag");
            let again = send(
                &state,
                "GET",
                url,
                &[("if-none-match", &gz_tag), ("accept-encoding", "gzip")],
            )
            .await;
            assert_eq!(again.status, 304, "{url}");
        }
    }
    let en = send(&state, "GET", "/legends/deprivation.svg", &[]).await;
    let cy = send(&state, "GET", "/legends/deprivation.svg?lang=cy", &[]).await;
    assert_ne!(etag_of(&en), etag_of(&cy));
    let stale = send(
        &state,
        "GET",
        "/legends/deprivation.svg?lang=cy",
        &[("if-none-match", &etag_of(&en))],
    )
    .await;
    assert_eq!(stale.status, 200);
    // A probe is never cached.
    let health = send(&state, "GET", "/health", &[]).await;
    assert!(health.headers.get("etag").is_none());
    assert_eq!(health.headers["cache-control"], "no-store");
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn junk_parameters_share_one_cache_entry_and_hits_are_counted() {
    let pool = loaded_pool(DB).await;
    let state = AppState::new(pool.clone(), None);
    let (_, misses0, _, _) = state.tile_cache.stats();
    send(&state, "GET", "/tiles/clusters/6/31/20?junk=1", &[]).await;
    send(&state, "GET", "/tiles/clusters/6/31/20?junk=2&more=x", &[]).await;
    send(&state, "GET", "/tiles/clusters/6/31/20", &[]).await;
    let (hits, misses, _, _) = state.tile_cache.stats();
    assert_eq!(misses - misses0, 1, "one render for three requests");
    assert!(hits >= 2);
    // Indicator parameters are normalised: defaults spelled out or not, one entry.
    send(&state, "GET", "/tiles/clusters/6/31/20?indicator=copd", &[]).await;
    send(
        &state,
        "GET",
        "/tiles/clusters/6/31/20?classes=5&method=quantile&indicator=copd&palette=Blues",
        &[],
    )
    .await;
    let (_, misses2, _, _) = state.tile_cache.stats();
    assert_eq!(misses2 - misses, 1);
    // Concurrent misses on one tile coalesce into one render.
    let requests = (0..8).map(|_| send(&state, "GET", "/tiles/lsoa/9/250/169", &[]));
    let replies = futures::future::join_all(requests).await;
    assert!(replies.iter().all(|r| r.status == 200 || r.status == 204));
    let (_, misses3, _, _) = state.tile_cache.stats();
    assert_eq!(misses3 - misses2, 1);
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn reload_needs_the_token_and_bumps_the_version() {
    // Its own database: a reload changes the version the other tests here rely on.
    let pool = loaded_pool("cache_reload").await;
    let closed = AppState::new(pool.clone(), None);
    assert_eq!(
        send(&closed, "POST", "/admin/reload", &[]).await.status,
        404
    );
    let state =
        AppState::new(pool.clone(), None).with_admin("s3cret-token".into(), bundled_inputs());
    assert_eq!(send(&state, "POST", "/admin/reload", &[]).await.status, 401);
    assert_eq!(
        send(
            &state,
            "POST",
            "/admin/reload",
            &[("authorization", "Bearer s3cret-tokem")]
        )
        .await
        .status,
        401
    );
    let before = send(&state, "GET", "/tiles/lsoa/7/62/42", &[]).await;
    let old_etag = before.headers["etag"].to_str().unwrap().to_owned();
    let reply = send(
        &state,
        "POST",
        "/admin/reload",
        &[("authorization", "Bearer s3cret-token")],
    )
    .await;
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let version = reply.json()["version"].as_i64().unwrap();
    let after = send(&state, "GET", "/tiles/lsoa/7/62/42", &[]).await;
    let new_etag = after.headers["etag"].to_str().unwrap();
    assert_ne!(new_etag, old_etag);
    assert!(new_etag.starts_with(&format!("\"v{version}-")));
    let tj = send(&state, "GET", "/tiles/lsoa", &[]).await.json();
    assert!(tj["tiles"][0]
        .as_str()
        .unwrap()
        .ends_with(&format!("?v={version}")));
    assert_eq!(
        send(&state, "GET", "/health", &[]).await.json()["data_version"],
        version
    );
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn a_reload_renders_the_new_default_tiles_before_switching_to_them() {
    // Its own database: a reload changes the version the other tests here rely on.
    let pool = loaded_pool("cache_warm").await;
    let token = "warm-token";
    let state = AppState::new(pool.clone(), None)
        .with_admin(token.into(), bundled_inputs())
        .with_warm_before_switch(8);
    let default_tiles = [
        "/tiles/wales/0/0/0",
        "/tiles/wales/7/62/42",
        "/tiles/wales/8/125/84",
        "/tiles/clusters,health_boards,labels/6/31/20",
        "/tiles/clusters,health_boards,labels/8/126/85",
    ];
    // Start: the first request finds the first version's pyramid already rendered.
    let first = send(&state, "GET", default_tiles[1], &[]).await;
    assert_eq!(first.status, 200);
    let (_, misses, _, _) = state.tile_cache.stats();
    for url in default_tiles {
        assert!(send(&state, "GET", url, &[]).await.status.is_success());
    }
    assert_eq!(
        state.tile_cache.stats().1,
        misses,
        "a default tile was cold after the start"
    );
    let old_etag = first.headers["etag"].to_str().unwrap().to_owned();
    // A reload: while it loads and warms, the old version keeps answering from the cache.
    let reloading = {
        let state = state.clone();
        tokio::spawn(async move {
            let auth = format!("Bearer {token}");
            send(&state, "POST", "/admin/reload", &[("authorization", &auth)]).await
        })
    };
    let mut seen_old = 0;
    while !reloading.is_finished() {
        let reply = send(&state, "GET", default_tiles[1], &[]).await;
        assert_eq!(reply.status, 200);
        if reply.headers["etag"] == old_etag.as_str() {
            seen_old += 1;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        seen_old > 0,
        "the old version should serve while the new one loads"
    );
    let reply = reloading.await.unwrap();
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let version = reply.json()["version"].as_i64().unwrap();
    // After the switch every default tile of the new version is already in the cache, and
    // the old version's tiles are gone.
    let (_, misses, entries, _) = state.tile_cache.stats();
    for url in default_tiles {
        let reply = send(&state, "GET", url, &[]).await;
        assert!(reply.status.is_success());
        if reply.status == 200 {
            let etag = reply.headers["etag"].to_str().unwrap();
            assert!(etag.starts_with(&format!("\"v{version}-")), "{url}: {etag}");
        }
    }
    assert_eq!(
        state.tile_cache.stats().1,
        misses,
        "a default tile was cold after the reload"
    );
    assert!(entries > 20, "{entries} tiles cached");
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn metrics_expose_requests_latency_cache_pool_and_version() {
    let pool = loaded_pool(DB).await;
    let state = AppState::new(pool.clone(), None);
    send(&state, "GET", "/tiles/lsoa/7/62/42", &[]).await;
    send(&state, "GET", "/tiles/lsoa/7/62/42", &[]).await;
    send(&state, "GET", "/no/such/path/12345", &[]).await;
    let reply = send(&state, "GET", "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .content_type()
        .starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(reply.body).unwrap();
    for expected in [
        "cluster_atlas_http_requests_total{route=\"/tiles/{layers}/{z}/{x}/{y}\",status=\"200\"}",
        "cluster_atlas_http_requests_total{route=\"unmatched\",status=\"404\"}",
        "cluster_atlas_tile_seconds_bucket{layers=\"lsoa\",zoom=\"7\",le=\"0.5\"}",
        "cluster_atlas_tile_cache_hit_ratio 0.5",
        "cluster_atlas_db_up 1",
        "cluster_atlas_db_pool_size",
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    let version: i64 = sqlx::query_scalar("select max(version) from atlas.data_version")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(text.contains(&format!("cluster_atlas_data_version {version}")));
    // The raw junk path never becomes a label.
    assert!(!text.contains("12345"));
    // With an admin token configured, /metrics needs it.
    let guarded = AppState::new(pool.clone(), None).with_admin("t0ken".into(), bundled_inputs());
    assert_eq!(send(&guarded, "GET", "/metrics", &[]).await.status, 401);
    assert_eq!(
        send(
            &guarded,
            "GET",
            "/metrics",
            &[("authorization", "Bearer t0ken")]
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn cors_is_open_by_default_and_follows_an_allow_list() {
    let pool = loaded_pool(DB).await;
    let open = AppState::new(pool.clone(), None);
    let reply = send(
        &open,
        "GET",
        "/tiles/lsoa",
        &[("origin", "https://anywhere.example")],
    )
    .await;
    assert_eq!(reply.headers["access-control-allow-origin"], "*");
    let listed = AppState::new(pool.clone(), None)
        .with_cors_origins("https://dash.example.nhs.wales, https://phw.example");
    let ok = send(
        &listed,
        "GET",
        "/tiles/lsoa",
        &[("origin", "https://phw.example")],
    )
    .await;
    assert_eq!(
        ok.headers["access-control-allow-origin"],
        "https://phw.example"
    );
    assert!(ok.headers.get_all("vary").iter().any(|v| v
        .to_str()
        .unwrap()
        .to_lowercase()
        .contains("origin")));
    let refused = send(
        &listed,
        "GET",
        "/tiles/lsoa",
        &[("origin", "https://evil.example")],
    )
    .await;
    assert!(refused.headers.get("access-control-allow-origin").is_none());
}

/// Indicator tiles are the plain tile with the values added (tiles/decorate.rs): once the
/// plain tile is cached they need no query of their own (they answer with the tables
/// locked), and they hold exactly what PostGIS renders for the same map (a filtered tile,
/// which still takes the SQL path): the same features, with the same properties.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn indicator_tiles_are_the_cached_plain_tile_with_values_and_no_query() {
    use std::collections::BTreeMap;
    let pool = loaded_pool(DB).await;
    let state = AppState::new(pool.clone(), None);
    let url = "/tiles/clusters,health_boards/8/125/84";
    let plain = send(&state, "GET", url, &[]).await;
    assert_eq!(plain.status, 200);

    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("lock table atlas.cluster, atlas.health_board in access exclusive mode")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let decorated = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        send(&state, "GET", &format!("{url}?indicator=copd"), &[]),
    )
    .await
    .expect("answered with the tables locked: no query of its own");
    blocker.rollback().await.unwrap();
    assert_eq!(decorated.status, 200);

    let by_id = |body: &[u8]| -> BTreeMap<(String, u64), _> {
        decode_tile(body)
            .into_iter()
            .map(|f| {
                (
                    (f.layer, f.id.unwrap()),
                    f.properties.into_iter().collect::<BTreeMap<_, _>>(),
                )
            })
            .collect()
    };
    let plain = by_id(&plain.body);
    let decorated = by_id(&decorated.body);
    assert_eq!(
        plain.keys().collect::<Vec<_>>(),
        decorated.keys().collect::<Vec<_>>()
    );
    let coloured = decorated
        .iter()
        .filter(|((layer, _), p)| layer == "clusters" && p.contains_key("class"))
        .count();
    assert!(coloured >= 5, "clusters carry their classes: {coloured}");
    // PostGIS's own rendering of the same map: a filter every cluster passes.
    let sql = send(
        &state,
        "GET",
        &format!("{url}?indicator=copd&filter=code%20%3C%3E%20%27none%27"),
        &[],
    )
    .await;
    assert_eq!(sql.status, 200, "{}", String::from_utf8_lossy(&sql.body));
    assert_eq!(by_id(&sql.body), decorated);
}
