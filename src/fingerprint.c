/* placeholder: fingerprint */
