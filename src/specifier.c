/* placeholder: specifier */
