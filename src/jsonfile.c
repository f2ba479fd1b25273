/* placeholder: jsonfile */
