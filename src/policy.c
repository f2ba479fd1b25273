/* placeholder: policy */
