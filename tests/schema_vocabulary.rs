//! The migrations keep literal column lists; this checks them against the tables in code:
//! every catalogue field is a column of its layer's table, every WIMD domain has its rank,
//! decile and quintile columns with the loader's types, and every stored indicator value
//! field is a column of `atlas.indicator_value`.

mod common;

use std::collections::HashMap;

use cluster_atlas::catalog::values::VALUE_FIELDS;
use cluster_atlas::catalog::LayerId;
use cluster_atlas::etl::postgis::wimd_columns;
use common::loaded_pool;

async fn columns(pool: &sqlx::PgPool, table: &str) -> HashMap<String, String> {
    sqlx::query_as::<_, (String, String)>(
        "select column_name::text, data_type::text from information_schema.columns \
         where table_schema = 'atlas' and table_name = $1",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

#[tokio::test]
#[ignore = "needs PostGIS (DATABASE_URL): scripts/test.sh runs it"]
async fn migrations_agree_with_the_catalogue() {
    let pool = loaded_pool("schema_vocabulary").await;
    for id in LayerId::ALL {
        let layer = id.layer();
        let have = columns(&pool, layer.table).await;
        for f in &layer.fields {
            assert!(
                have.contains_key(f.name),
                "atlas.{} has no column {} (catalogue field of {id})",
                layer.table,
                f.name
            );
        }
    }
    let lsoa = columns(&pool, "lsoa").await;
    for (name, ty) in wimd_columns() {
        assert_eq!(
            lsoa.get(&name).map(String::as_str),
            Some(ty),
            "atlas.lsoa.{name} should be {ty}"
        );
    }
    let values = columns(&pool, "indicator_value").await;
    for f in VALUE_FIELDS.iter().filter(|f| f.name != "class") {
        assert!(
            values.contains_key(f.name),
            "atlas.indicator_value has no column {}",
            f.name
        );
    }
}
