//! The baselines decode exactly what the generated decoders decode, and refuse what they
//! refuse (no timing here).

use papi_bench::{handwritten, large, roxml, samples};

#[test]
fn every_sample_gives_its_expected_outcome() {
    for s in samples::SAMPLES {
        let body = samples::load(s.path).unwrap();
        assert!((s.decode)(&body), "{}", s.name);
    }
}

#[test]
fn baselines_fill_the_same_values_as_the_generated_decoders() {
    let list_sample = samples::load("samples/contacts/findcontactlist.corrected.xml").unwrap();
    let list_large = large::contact_list(1_000).unwrap();
    for body in [&list_sample, &list_large] {
        let generated = papi_contacts::decode::find_contact_list(200, body).unwrap();
        assert_eq!(handwritten::find_contact_list(body).unwrap(), generated);
        assert_eq!(roxml::find_contact_list(body).unwrap(), generated);
    }
    assert_eq!(
        papi_contacts::decode::find_contact_list(200, &list_large).unwrap(),
        large::contact_list_value(1_000)
    );

    let picture_sample = samples::load("samples/contacts/getpicture.xml").unwrap();
    let picture_large = large::picture(100_000).unwrap();
    for body in [&picture_sample, &picture_large] {
        let generated = papi_contacts::decode::get_picture(200, body).unwrap();
        assert_eq!(handwritten::get_picture(body).unwrap(), generated);
        assert_eq!(roxml::get_picture(body).unwrap(), generated);
    }
    assert_eq!(
        papi_contacts::decode::get_picture(200, &picture_large).unwrap(),
        large::picture_value(100_000)
    );
}

#[test]
fn baselines_refuse_what_the_generated_decoders_refuse() {
    let good =
        String::from_utf8(samples::load("samples/contacts/findcontactlist.corrected.xml").unwrap())
            .unwrap();
    let bad = [
        good.replace("xpage", "page"),
        good.replace("<result>0</result>", "<result>-3</result>"),
        good.replace("<result>0</result>", "<result>x</result>"),
        good.replace("</command-list>", ""),
        good.replace("Orange", "O&nbsp;"),
        good.replace("id=\"1\"", ""),
        good.replace("page=\"1\"", "page=\"one\""),
        format!("{good}<xpage/>"),
        good.replace("command-list", "commands"),
    ];
    for body in &bad {
        let b = body.as_bytes();
        assert!(
            papi_contacts::decode::find_contact_list(200, b).is_err(),
            "{body}"
        );
        assert!(handwritten::find_contact_list(b).is_err(), "{body}");
        assert!(roxml::find_contact_list(b).is_err(), "{body}");
    }
    let picture =
        String::from_utf8(samples::load("samples/contacts/getpicture.xml").unwrap()).unwrap();
    for body in [
        picture.replace("content=\"/9j", "content=\"!9j"),
        picture.replace("order=\"1\"", "order=\"x\""),
        picture.replace("filename", "file"),
    ] {
        let b = body.as_bytes();
        assert!(
            papi_contacts::decode::get_picture(200, b).is_err(),
            "{body}"
        );
        assert!(handwritten::get_picture(b).is_err(), "{body}");
        assert!(roxml::get_picture(b).is_err(), "{body}");
    }
}
